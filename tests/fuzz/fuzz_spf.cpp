// SPF: record parsing, and check_host() with macro expansion, includes, redirects and the
// processing limits, against DNS data taken from the input.
// Input: [address byte][sender]\0[helo]\0 then records, one a line: "NAME TYPE DATA"
// (TYPE a, aaaa, mx, txt, ptr; "NAME error" makes every type of NAME a DNS error).
// Names nobody wrote a record for do not exist.
// Invariants: the evaluator asks each question at most once and ends within the RFC's
// limits (10 lookups, 2 void lookups), whatever the records say; texts are printable.

#include "fuzz_support.hpp"
#include "rblscope/spf.hpp"

#include <array>
#include <cctype>
#include <map>
#include <set>
#include <string>

using namespace rblscope;

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

class InputDns final : public DnsView {
  public:
    void add(std::string_view line) {
        const auto sp1 = line.find(' ');
        if (sp1 == std::string_view::npos) {
            return;
        }
        const auto name = lower(line.substr(0, sp1));
        const auto rest = line.substr(sp1 + 1);
        const auto sp2 = rest.find(' ');
        const auto type = lower(rest.substr(0, sp2));
        const auto value =
            sp2 == std::string_view::npos ? std::string_view{} : rest.substr(sp2 + 1);
        if (type == "error") {
            m_errors.insert(name);
            return;
        }
        static constexpr std::array types{
            DnsType::a, DnsType::aaaa, DnsType::mx, DnsType::txt, DnsType::ptr};
        for (const auto t : types) {
            if (to_string(t) == type || lower(to_string(t)) == type) {
                m_data[{name, t}].push_back(std::string(value));
                m_names.insert(name);
            }
        }
    }

    /// The answer DNS would give, stored so find() sees it from now on.
    void answer(const DnsQuestion& q) {
        DnsAnswer a;
        if (m_errors.contains(q.name)) {
            a.status = DnsAnswer::Status::error;
        } else if (auto it = m_data.find({q.name, q.type}); it != m_data.end()) {
            a.data = it->second;
        } else if (!m_names.contains(q.name)) {
            a.status = DnsAnswer::Status::nxdomain;
        }
        m_answered[{q.name, q.type}] = std::move(a);
    }

    const DnsAnswer* find(std::string_view name, DnsType type) const override {
        const auto it = m_answered.find({std::string(name), type});
        return it == m_answered.end() ? nullptr : &it->second;
    }

  private:
    std::map<std::pair<std::string, DnsType>, std::vector<std::string>> m_data;
    std::set<std::string> m_names, m_errors;
    std::map<std::pair<std::string, DnsType>, DnsAnswer> m_answered;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::FuzzInput in(data, size);
    static constexpr std::array<std::string_view, 4> addresses{
        "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.3", "127.0.0.1"};
    SpfQuery query;
    query.ip = *IpAddress::parse_exact(addresses[in.byte() % addresses.size()]);
    query.sender = std::string(in.field('\0'));
    query.helo = std::string(in.field('\0'));
    query.receiver = "mx.fuzz.test";

    InputDns dns;
    while (!in.empty()) {
        const auto line = in.field('\n');
        dns.add(line);
        if (auto record = parse_spf_record(line); !record) {
            fuzz::expect_printable(record.error().to_string(), "record error");
        }
    }

    std::set<std::pair<std::string, DnsType>> asked;
    for (int round = 0;; ++round) {
        const SpfOutcome out = spf_check(query, dns);
        if (!out.need) {
            fuzz::expect_printable(out.problem, "problem");
            fuzz::expect_printable(out.mechanism, "mechanism");
            if (out.dns_lookups > 11 || out.void_lookups > 3) {
                fuzz::fail("past the RFC 7208 limits", out.problem);
            }
            break;
        }
        if (!asked.insert({out.need->name, out.need->type}).second) {
            fuzz::fail("the same question asked twice", out.need->name);
        }
        if (round > 200) {
            fuzz::fail("no end to the questions", out.need->name);
        }
        dns.answer(*out.need);
    }
    return 0;
}
