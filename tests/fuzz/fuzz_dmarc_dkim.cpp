// vet's DMARC (RFC 7489) and DKIM key (RFC 6376 3.6.1) record readers; DKIM keys are
// decoded from base64 and measured with OpenSSL.
// Input: one record; it is read as both.
// Invariants: texts are printable; a DMARC policy is one of the three words or empty; a
// present RSA key has a plausible size.

#include "fuzz_support.hpp"
#include "rblscope/vet.hpp"

using namespace rblscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    const DmarcCheck dmarc = parse_dmarc(text);
    for (const auto* field :
         {&dmarc.record, &dmarc.policy, &dmarc.subdomain_policy, &dmarc.rua, &dmarc.problem}) {
        fuzz::expect_printable(*field, "DMARC text");
    }
    for (const auto* policy : {&dmarc.policy, &dmarc.subdomain_policy}) {
        if (!policy->empty() && *policy != "none" && *policy != "quarantine" &&
            *policy != "reject") {
            fuzz::fail("an unknown DMARC policy accepted", *policy);
        }
    }
    if (dmarc.pct < 0 || dmarc.pct > 100) {
        fuzz::fail("pct outside 0..100", dmarc.record);
    }

    const DkimCheck dkim = parse_dkim(text);
    fuzz::expect_printable(dkim.algorithm, "DKIM algorithm");
    fuzz::expect_printable(dkim.problem, "DKIM problem");
    if (dkim.bits < 0 || dkim.bits > 65536) {
        fuzz::fail("implausible key size", dkim.problem);
    }
    return 0;
}
