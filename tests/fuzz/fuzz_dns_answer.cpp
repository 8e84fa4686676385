// DNS answers: raw response packets through the code every answer goes through
// (read_dns_reply: c-ares' parsers and our own section walkers), then to_raw() and
// classify() against a catalog zone, and the TXT sanitizer.
// Input: [type byte][status byte][zone byte][packet...].
// Invariants: statuses follow the answers (a listing only from 127/8 A records, never from
// an error code or a failed parse); every text a report prints is printable.

#include "engine/classify.hpp"
#include "engine/dns_outcome.hpp"
#include "engine/zone_health.hpp"
#include "fuzz_support.hpp"
#include "net/dns_channel.hpp"
#include "rblscope/catalog.hpp"

#include <array>

using namespace rblscope;

namespace {

void check_result(const ZoneResult& r, const RawAnswer& raw) {
    fuzz::expect_printable(r.meaning, "meaning");
    fuzz::expect_printable(r.error, "error");
    fuzz::expect_printable(r.txt, "txt");
    if (r.status == Status::listed) {
        if (raw.kind != RawAnswer::Kind::answers) {
            fuzz::fail("listed without A answers", r.meaning);
        }
        for (const auto a : raw.a) {
            if ((a >> 24) != 127) {
                fuzz::fail("listed on an answer outside 127/8", r.meaning);
            }
        }
    }
    if (r.status == Status::clean && raw.kind != RawAnswer::Kind::nxdomain &&
        raw.kind != RawAnswer::Kind::nodata) {
        fuzz::fail("clean without NXDOMAIN or NODATA", r.error);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::FuzzInput in(data, size);
    constexpr std::array types{DnsChannel::Type::a,
                               DnsChannel::Type::aaaa,
                               DnsChannel::Type::txt,
                               DnsChannel::Type::mx,
                               DnsChannel::Type::ptr};
    constexpr std::array statuses{
        DnsStatus::answered, DnsStatus::nxdomain, DnsStatus::nodata, DnsStatus::servfail};
    const auto type = types[in.byte() % types.size()];
    const DnsStatus status = statuses[in.byte() % statuses.size()];
    const auto& zones = fuzz::shipped_catalog().zones;
    const Zone& zone = zones[in.byte() % zones.size()];
    const auto packet = in.rest();
    const auto* bytes = reinterpret_cast<const unsigned char*>(packet.data());
    const int len = static_cast<int>(packet.size());

    (void)response_ttls(bytes, len);
    const DnsReply reply = read_dns_reply(type, status, bytes, len);
    if (reply.status == DnsStatus::garbled && !reply.a.empty()) {
        fuzz::fail("a parse error with answers", "");
    }

    for (const auto& name : reply.names) {
        fuzz::expect_printable(name, "MX/PTR name");
    }
    if (type == DnsChannel::Type::txt) {
        fuzz::expect_printable(txt_reason(reply), "TXT reason");
        return 0;
    }
    if (type != DnsChannel::Type::a) {
        return 0;
    }
    const RawAnswer raw = to_raw(reply);
    fuzz::expect_printable(raw.detail, "raw detail");
    // The same answer as the zone's test points and as a real query.
    const TestPoint point{};
    const ZoneHealth health = assess_health(zone, {&point, &raw}, {&point, &raw});
    fuzz::expect_printable(health.evidence, "health evidence");
    const ZoneHealthReport judged = judge_zone(zone, {&point, &raw}, {&point, &raw});
    fuzz::expect_printable(judged.evidence, "zone health evidence");
    if (judged.condition == ZoneCondition::healthy) {
        fuzz::fail("one answer for both test points called healthy", judged.evidence);
    }
    for (const auto& h : {health, ZoneHealth{}}) {
        const ZoneResult r = classify(zone, raw, h);
        check_result(r, raw);
        if (h.state == ZoneHealth::State::lists_everything && r.status == Status::listed) {
            fuzz::fail("listed on a zone that lists everything", r.meaning);
        }
    }
    return 0;
}
