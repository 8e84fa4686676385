#include "sources/google_auth.hpp"

#include "core/sanitize.hpp"
#include "sources/adapter.hpp"
#include "sources/json_fields.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

namespace rblscope::google {

namespace {

// Google's key files are a few KiB; anything much larger is not one.
constexpr std::size_t k_max_key_file = std::size_t{64} * 1024;
// A token is not used in its last minute, so a request never carries one that expires on
// the way.
constexpr std::chrono::seconds k_token_margin{60};

std::string base64url(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    while (!out.empty() && out.back() == '=') {
        out.pop_back();
    }
    for (auto& c : out) {
        c = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    return out;
}

// serve's runs share the loop's thread; the lock is for any other caller.
std::mutex& cache_lock() {
    static std::mutex lock;
    return lock;
}

std::map<std::string, AccessToken>& token_cache() {
    static std::map<std::string, AccessToken> cache;
    return cache;
}

} // namespace

Result<ServiceAccount> load_service_account(const std::string& path) {
    // Opened once and checked through the descriptor, so the file checked is the file read.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        return Error{fmt::format("cannot open the key file: {}", std::strerror(errno)), path};
    }
    struct Closer {
        int fd;
        explicit Closer(int f) : fd(f) {}
        Closer(const Closer&) = delete;
        Closer& operator=(const Closer&) = delete;
        Closer(Closer&&) = delete;
        Closer& operator=(Closer&&) = delete;
        ~Closer() { ::close(fd); }
    } const closer(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        return Error{"the key file is not a regular file", path};
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        return Error{fmt::format("the key file is readable by others (mode {:04o}): it holds a "
                                 "private key; chmod 600 it",
                                 st.st_mode & 07777),
                     path};
    }
    if (static_cast<std::size_t>(st.st_size) > k_max_key_file) {
        return Error{"the key file is too large to be a service account's key", path};
    }
    std::string text(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < text.size()) {
        const auto n = ::read(fd, text.data() + got, text.size() - got);
        if (n <= 0) {
            return Error{"cannot read the key file", path};
        }
        got += static_cast<std::size_t>(n);
    }
    return parse_service_account(text, path);
}

Result<ServiceAccount> parse_service_account(const std::string& text, const std::string& name) {
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
        return Error{"not a JSON key file (download a JSON key for the service account)", name};
    }
    const auto type = source::string_or(doc, "type", "");
    if (type != "service_account") {
        return Error{fmt::format("not a service account's key (\"type\" is \"{}\", expected "
                                 "\"service_account\")",
                                 sanitize_text(type, 40)),
                     name};
    }
    ServiceAccount account;
    account.client_email = source::string_or(doc, "client_email", "");
    account.key_id = source::string_or(doc, "private_key_id", "");
    account.private_key_pem = source::string_or(doc, "private_key", "");
    if (account.client_email.empty() || account.private_key_pem.empty()) {
        return Error{"the key file has no \"client_email\" or no \"private_key\"", name};
    }
    if (account.client_email != sanitize_text(account.client_email, 320) ||
        account.key_id != sanitize_text(account.key_id, 100)) {
        return Error{"the key file's \"client_email\" or \"private_key_id\" is not plain text",
                     name};
    }
    return account;
}

Result<std::string> make_assertion(const ServiceAccount& account,
                                   const std::string& scope,
                                   const std::string& token_url,
                                   std::chrono::system_clock::time_point now) {
    nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}};
    if (!account.key_id.empty()) {
        header["kid"] = account.key_id;
    }
    const auto iat = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
    const nlohmann::json claims = {{"iss", account.client_email},
                                   {"scope", scope},
                                   {"aud", token_url},
                                   {"iat", iat.count()},
                                   {"exp", iat.count() + 3600}};
    const std::string signing_input = base64url(header.dump()) + "." + base64url(claims.dump());

    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(account.private_key_pem.data(),
                        static_cast<int>(account.private_key_pem.size())),
        &BIO_free);
    const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr,
        &EVP_PKEY_free);
    if (!key || EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) {
        return Error{"the key file's \"private_key\" is not an RSA private key in PEM", {}};
    }
    const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                      &EVP_MD_CTX_free);
    std::size_t size = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(),
                       nullptr,
                       &size,
                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size()) != 1) {
        return Error{"signing the token request failed", {}};
    }
    std::string signature(size, '\0');
    if (EVP_DigestSign(ctx.get(),
                       reinterpret_cast<unsigned char*>(signature.data()),
                       &size,
                       reinterpret_cast<const unsigned char*>(signing_input.data()),
                       signing_input.size()) != 1) {
        return Error{"signing the token request failed", {}};
    }
    signature.resize(size);
    return signing_input + "." + base64url(signature);
}

HttpRequest token_request(const std::string& token_url, const std::string& assertion) {
    HttpRequest req;
    req.url = token_url;
    req.post_body =
        "grant_type=" + source::url_encode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
        "&assertion=" + source::url_encode(assertion);
    req.headers = {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"};
    req.max_body = k_max_key_file; // a token answer is small too
    return req;
}

Result<AccessToken> read_token_response(const HttpResponse& response,
                                        std::chrono::steady_clock::time_point now) {
    const auto doc = nlohmann::json::parse(response.body, nullptr, false);
    const bool object = !doc.is_discarded() && doc.is_object();
    if (response.status != 200) {
        // OAuth errors (RFC 6749 5.2): "invalid_grant" for a deleted key or a clock far off.
        std::string why = object ? source::string_or(doc, "error", "") : "";
        const auto detail = object ? source::string_or(doc, "error_description", "") : "";
        if (!detail.empty()) {
            why += (why.empty() ? "" : ": ") + detail;
        }
        return Error{fmt::format("the token request was refused: HTTP {}{}{}",
                                 response.status,
                                 why.empty() ? "" : ", ",
                                 sanitize_text(
                                     why.empty() ? source::body_excerpt(response.body) : why, 300)),
                     {}};
    }
    const auto token = object ? source::string_or(doc, "access_token", "") : "";
    const long expires_in = object ? source::number_or(doc, "expires_in", 0) : 0;
    if (token.empty() || expires_in <= 0 || token.find_first_of("\r\n\t ") != std::string::npos) {
        return Error{"the token endpoint's answer has no usable access_token and expires_in", {}};
    }
    return AccessToken{token,
                       now + std::chrono::seconds(expires_in) -
                           std::min(k_token_margin, std::chrono::seconds(expires_in / 2))};
}

std::optional<std::string> cached_token(const std::string& cache_key) {
    const std::lock_guard lock(cache_lock());
    auto& cache = token_cache();
    const auto it = cache.find(cache_key);
    if (it == cache.end()) {
        return std::nullopt;
    }
    if (std::chrono::steady_clock::now() >= it->second.expires) {
        cache.erase(it);
        return std::nullopt;
    }
    return it->second.value;
}

void remember_token(const std::string& cache_key, const AccessToken& token) {
    const std::lock_guard lock(cache_lock());
    token_cache()[cache_key] = token;
}

void forget_token(const std::string& cache_key) {
    const std::lock_guard lock(cache_lock());
    token_cache().erase(cache_key);
}

} // namespace rblscope::google
