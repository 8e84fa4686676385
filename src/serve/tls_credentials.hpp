#pragma once
// serve's certificate and key, held by GnuTLS and handed to each handshake through
// libmicrohttpd's certificate callback, so that a reload can put a renewed certificate in
// place without a restart (libmicrohttpd reads MHD_OPTION_HTTPS_MEM_CERT only at start).
// Replaced credentials are kept until the server stops: handshakes already under way may
// still point at them, and renewals are rare.

#include "rblscope/error.hpp"
#include "serve/web_config.hpp"

#include <memory>

struct gnutls_pcert_st;
struct gnutls_privkey_st;

namespace rblscope::exporter {

class TlsCredentials {
  public:
    /// Parses the PEM chain and key of `tls` and checks that the key is the certificate's.
    static Result<std::shared_ptr<TlsCredentials>> load(const TlsConfig& tls);
    ~TlsCredentials();
    TlsCredentials(const TlsCredentials&) = delete;
    TlsCredentials& operator=(const TlsCredentials&) = delete;

    /// Makes these the credentials every new handshake gets (one TLS server a process).
    void install() const;
    /// For libmicrohttpd's MHD_OPTION_HTTPS_CERT_CALLBACK (a
    /// gnutls_certificate_retrieve_function2 giving the installed credentials).
    static void* retrieve_function();

  private:
    TlsCredentials() = default;
    friend struct TlsHandshake;
    std::unique_ptr<gnutls_pcert_st[]> m_chain; // NOLINT(*-avoid-c-arrays): GnuTLS's array
    unsigned m_chain_length = 0;
    gnutls_privkey_st* m_key = nullptr;
};

} // namespace rblscope::exporter
