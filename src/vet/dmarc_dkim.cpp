// DMARC (RFC 7489 section 6.3) and DKIM key records (RFC 6376 section 3.6.1, RFC 8463).

#include "core/sanitize.hpp"
#include "core/text.hpp"
#include "rblscope/vet.hpp"

#include <algorithm>
#include <openssl/evp.h>
#include <openssl/x509.h>

namespace rblscope {

namespace {

/// "k=v; k=v" tag lists (both records use them): lowercase keys, trimmed values.
std::vector<std::pair<std::string, std::string>> tags(std::string_view record) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!record.empty()) {
        const auto semi = record.find(';');
        const auto tag = trim_blanks(record.substr(0, semi));
        record.remove_prefix(semi == std::string_view::npos ? record.size() : semi + 1);
        const auto eq = tag.find('=');
        if (tag.empty() || eq == std::string_view::npos) {
            continue;
        }
        out.emplace_back(ascii_lower(trim_blanks(tag.substr(0, eq))),
                         std::string(trim_blanks(tag.substr(eq + 1))));
    }
    return out;
}

} // namespace

DmarcCheck parse_dmarc(std::string_view record) {
    DmarcCheck d;
    d.record = sanitize_text(record, 1024);
    const auto t = tags(record);
    if (t.empty() || t.front().first != "v" || t.front().second != "DMARC1") {
        d.problem = "not a DMARC record (it must start with v=DMARC1)";
        return d;
    }
    for (const auto& [k, v] : t) {
        if (k == "p") {
            d.policy = ascii_lower(v);
        } else if (k == "sp") {
            d.subdomain_policy = ascii_lower(v);
        } else if (k == "pct") {
            const bool digits =
                !v.empty() && v.size() <= 3 &&
                std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
            d.pct = digits ? std::min(100, std::stoi(v)) : 100;
        } else if (k == "rua") {
            d.rua = sanitize_text(v, 256);
        }
    }
    if (d.policy.empty()) {
        d.problem = "no p= tag (receivers treat the record as p=none at best)";
    } else if (d.policy != "none" && d.policy != "quarantine" && d.policy != "reject") {
        d.problem = "p=" + sanitize_text(d.policy, 32) + " is not none, quarantine or reject";
        d.policy.clear();
    }
    if (!d.subdomain_policy.empty() && d.subdomain_policy != "none" &&
        d.subdomain_policy != "quarantine" && d.subdomain_policy != "reject") {
        // RFC 7489 6.3: an invalid sp= is ignored, so subdomains take p=.
        if (d.problem.empty()) {
            d.problem = "sp=" + sanitize_text(d.subdomain_policy, 32) +
                        " is not none, quarantine or reject (ignored)";
        }
        d.subdomain_policy.clear();
    }
    return d;
}

DkimCheck parse_dkim(std::string_view record) {
    DkimCheck k;
    k.present = true;
    const auto t = tags(record);
    std::string key_type = "rsa";
    std::optional<std::string> p;
    for (const auto& [name, v] : t) {
        if (name == "v" && v != "DKIM1") {
            k.problem = "v= is not DKIM1";
            return k;
        }
        if (name == "k") {
            key_type = ascii_lower(v);
        } else if (name == "p") {
            p = v;
        }
    }
    if (!p) {
        k.problem = "no p= tag (no public key)";
        return k;
    }
    k.algorithm = sanitize_text(key_type, 32);
    if (p->empty()) {
        k.revoked = true;
        return k;
    }
    const auto der = base64_decode(*p);
    if (key_type == "ed25519") { // RFC 8463: the bare 32-byte key
        if (der.size() != 32) {
            k.problem = "an ed25519 key must be 32 bytes";
            return k;
        }
        k.bits = 256;
        return k;
    }
    if (key_type != "rsa") {
        k.problem = "unknown key type k=" + sanitize_text(key_type, 32);
        return k;
    }
    const auto* ptr = reinterpret_cast<const unsigned char*>(der.data());
    EVP_PKEY* key = d2i_PUBKEY(nullptr, &ptr, static_cast<long>(der.size()));
    if (key == nullptr) {
        k.problem = "p= is not a valid RSA public key";
        return k;
    }
    if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
        k.problem = "k=rsa but p= holds another kind of key";
    } else {
        k.bits = EVP_PKEY_bits(key);
    }
    EVP_PKEY_free(key);
    return k;
}

} // namespace rblscope
