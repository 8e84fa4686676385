#include "serve/tls_credentials.hpp"

#include <fmt/format.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

namespace rblscope::exporter {

namespace {

const TlsCredentials* current = nullptr; // the loop is the only thread that handshakes

} // namespace

// What a handshake is given (GnuTLS takes them as non-const).
struct TlsHandshake {
    static int give(gnutls_pcert_st** chain, unsigned int* chain_length, gnutls_privkey_t* key) {
        if (current == nullptr) {
            return -1; // no credentials: the handshake fails
        }
        *chain = current->m_chain.get();
        *chain_length = current->m_chain_length;
        *key = current->m_key;
        return 0;
    }
};

namespace {

int retrieve(gnutls_session_t /*session*/,
             const gnutls_datum_t* /*requested_ca_names*/,
             int /*ca_names*/,
             const gnutls_pk_algorithm_t* /*algorithms*/,
             int /*algorithm_count*/,
             gnutls_pcert_st** chain,
             unsigned int* chain_length,
             gnutls_privkey_t* key) {
    return TlsHandshake::give(chain, chain_length, key);
}

gnutls_datum_t datum(const std::string& text) {
    return gnutls_datum_t{reinterpret_cast<unsigned char*>(const_cast<char*>(text.data())),
                          static_cast<unsigned>(text.size())};
}

// The key's ID of a public key, to see that a private key belongs to a certificate.
std::string key_id(gnutls_pubkey_t key) {
    std::string id(64, '\0');
    std::size_t size = id.size();
    if (gnutls_pubkey_get_key_id(
            key, GNUTLS_KEYID_USE_SHA256, reinterpret_cast<unsigned char*>(id.data()), &size) !=
        0) {
        return {};
    }
    id.resize(size);
    return id;
}

} // namespace

Result<std::shared_ptr<TlsCredentials>> TlsCredentials::load(const TlsConfig& tls) {
    std::shared_ptr<TlsCredentials> c(new TlsCredentials());
    constexpr unsigned most = 16; // certificates in a chain
    c->m_chain = std::make_unique<gnutls_pcert_st[]>(most);
    unsigned count = most;
    const auto cert = datum(tls.cert_pem);
    int rc =
        gnutls_pcert_list_import_x509_raw(c->m_chain.get(), &count, &cert, GNUTLS_X509_FMT_PEM, 0);
    if (rc < 0) {
        return Error{
            fmt::format("cert_file: not a PEM certificate chain ({})", gnutls_strerror(rc)), ""};
    }
    c->m_chain_length = count;
    if (count == 0) {
        return Error{"cert_file: no certificate in it", ""};
    }
    gnutls_privkey_init(&c->m_key);
    const auto key = datum(tls.key_pem);
    rc = gnutls_privkey_import_x509_raw(c->m_key, &key, GNUTLS_X509_FMT_PEM, nullptr, 0);
    if (rc < 0) {
        return Error{
            fmt::format("key_file: not an unencrypted PEM private key ({})", gnutls_strerror(rc)),
            ""};
    }
    gnutls_pubkey_t from_key = nullptr;
    gnutls_pubkey_init(&from_key);
    const bool imported = gnutls_pubkey_import_privkey(from_key, c->m_key, 0, 0) == 0;
    const bool same =
        imported && key_id(from_key) == key_id(c->m_chain[0].pubkey) && !key_id(from_key).empty();
    gnutls_pubkey_deinit(from_key);
    if (!same) {
        return Error{"key_file is not the key of cert_file's first certificate", ""};
    }
    return c;
}

TlsCredentials::~TlsCredentials() {
    for (unsigned i = 0; i < m_chain_length; ++i) {
        gnutls_pcert_deinit(&m_chain[i]);
    }
    if (m_key != nullptr) {
        gnutls_privkey_deinit(m_key);
    }
    if (current == this) {
        current = nullptr;
    }
}

void TlsCredentials::install() const {
    current = this;
}

void* TlsCredentials::retrieve_function() {
    return reinterpret_cast<void*>(&retrieve);
}

} // namespace rblscope::exporter
