#pragma once
// OAuth 2.0 for Google APIs with a service account (RFC 7523's JWT bearer grant): the
// account's JSON key file gives an e-mail address and an RSA key; a JWT naming the scope,
// signed RS256 with that key, is exchanged at the token URL for an access token that lasts
// about an hour. Used by the google-postmaster source.
//
// The key file is refused when group or others may read it, and no text made here ever
// contains the private key, the JWT or the access token.

#include "net/http_client.hpp"
#include "rblscope/error.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace rblscope::google {

/// The fields of a service account's key file that signing needs.
struct ServiceAccount {
    std::string client_email;
    std::string key_id;          ///< private_key_id, sent as the JWT's "kid"
    std::string private_key_pem; ///< never printed
};

/// Reads a key file as the Google Cloud console gives it ("type": "service_account").
/// Errors name the file, never its content.
[[nodiscard]] Result<ServiceAccount> load_service_account(const std::string& path);
/// The same from text; `name` is what errors call it.
[[nodiscard]] Result<ServiceAccount> parse_service_account(const std::string& text,
                                                           const std::string& name);

/// The signed JWT (header.claims.signature, base64url) asking `token_url` for `scope`,
/// valid for an hour from `now`.
[[nodiscard]] Result<std::string> make_assertion(const ServiceAccount& account,
                                                 const std::string& scope,
                                                 const std::string& token_url,
                                                 std::chrono::system_clock::time_point now);

/// The token request: a form POST of the grant type and the assertion.
[[nodiscard]] HttpRequest token_request(const std::string& token_url, const std::string& assertion);

/// An access token and when it stops being used (a minute before Google's expiry).
struct AccessToken {
    std::string value; ///< never printed
    std::chrono::steady_clock::time_point expires;
};

/// The token endpoint's answer read; `now` is when the request was sent. Errors quote
/// Google's "error" and "error_description", never the body's token.
[[nodiscard]] Result<AccessToken> read_token_response(const HttpResponse& response,
                                                      std::chrono::steady_clock::time_point now);

/// Tokens kept for the life of the process (serve's runs reuse one until it expires), by
/// account, scope and token URL.
[[nodiscard]] std::optional<std::string> cached_token(const std::string& cache_key);
void remember_token(const std::string& cache_key, const AccessToken& token);
void forget_token(const std::string& cache_key);

} // namespace rblscope::google
