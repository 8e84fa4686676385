#include "engine/classify.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace rblscope {

namespace {

constexpr std::uint32_t k_error_codes = 0x7fffff00u; // 127.255.255.0/24

std::string v4_text(std::uint32_t a) {
    return IpAddress::v4(a).to_string();
}

// Which of several codes decides: a listing (worst first), then an allowlisting, then an
// informational code, which says the least (an IADB entry with an "SPF record" code is still
// an accreditation). Error codes are handled separately.
int rank(Severity s) {
    switch (s) {
    case Severity::critical:
        return 0;
    case Severity::warning:
        return 1;
    case Severity::allow:
        return 2;
    case Severity::info:
        return 3;
    case Severity::error:
        return -1;
    }
    return 3;
}

void append(std::string& out, std::string_view part) {
    if (part.empty() || out.find(part) != std::string::npos) {
        return;
    }
    if (!out.empty()) {
        out += "; ";
    }
    out += part;
}

} // namespace

AnswerReading read_answers(const Zone& zone, const std::vector<std::uint32_t>& answers) {
    AnswerReading r;
    std::string errors;
    bool have_severity = false;
    for (const auto a : answers) {
        if ((a >> 24) != 127) {
            append(errors,
                   fmt::format("answer {} is outside 127.0.0.0/8: the list is broken or its "
                               "domain has lapsed or been parked",
                               v4_text(a)));
            continue;
        }
        // Exact codes first, then the first pattern, then the longest CIDR, then every bit.
        const CodeRule* best = nullptr;
        for (const auto& c : zone.codes) {
            if (c.match == CodeRule::Match::exact && c.matches(a)) {
                best = &c;
                break;
            }
        }
        std::vector<const CodeRule*> hits;
        if (best == nullptr && (a & 0xffffff00u) == k_error_codes) {
            // Lists answer 127.255.255.0/24 for refusals (Spamhaus: .254 public resolver, .255
            // too many queries), never for listings: an error on every zone, unless the catalog
            // names the exact code. A CIDR or bit rule says only what the error means.
            std::string meaning = "the list refused or rate-limited the query";
            for (const auto& c : zone.codes) {
                if (c.severity == Severity::error && c.matches(a)) {
                    meaning = c.meaning;
                    break;
                }
            }
            append(errors,
                   fmt::format("error code {} (127.255.255.0/24 is for errors, not listings): {}",
                               v4_text(a),
                               meaning));
            continue;
        }
        for (const auto& c : zone.codes) {
            if (best == nullptr && c.match == CodeRule::Match::pattern && c.matches(a)) {
                best = &c;
            }
        }
        if (best == nullptr) {
            for (const auto& c : zone.codes) {
                if (c.match == CodeRule::Match::cidr && c.matches(a) &&
                    (best == nullptr || c.prefix > best->prefix)) {
                    best = &c;
                }
            }
        }
        if (best != nullptr) {
            hits.push_back(best);
        } else {
            for (const auto& c : zone.codes) {
                if (c.match == CodeRule::Match::bitmask && c.matches(a)) {
                    hits.push_back(&c);
                }
            }
        }
        if (hits.empty()) {
            const Severity s = zone.unknown_code_severity;
            if (s == Severity::error) {
                append(errors, fmt::format("undocumented code {}", v4_text(a)));
            } else {
                append(r.meaning,
                       fmt::format("code {} (not documented in the catalog)", v4_text(a)));
                if (!have_severity || rank(s) < rank(r.severity)) {
                    r.severity = s;
                    have_severity = true;
                }
            }
            continue;
        }
        for (const auto* c : hits) {
            if (c->severity == Severity::error) {
                append(errors, fmt::format("error code {}: {}", v4_text(a), c->meaning));
                continue;
            }
            append(r.meaning, c->meaning);
            if (!have_severity || rank(c->severity) < rank(r.severity)) {
                r.severity = c->severity;
                have_severity = true;
            }
        }
    }
    if (!errors.empty()) {
        r.status = Status::error;
        r.severity = Severity::error;
        r.meaning = errors;
        if (!zone.refusal_hint.empty()) {
            r.meaning += " (" + zone.refusal_hint + ")";
        }
    }
    return r;
}

ZoneHealth assess_health(const Zone& zone, TestAnswer listed, TestAnswer unlisted) {
    ZoneHealth h;
    const RawAnswer* listed_point = listed.point != nullptr ? listed.answer : nullptr;
    const RawAnswer* unlisted_point = unlisted.point != nullptr ? unlisted.answer : nullptr;
    if (unlisted_point != nullptr && unlisted_point->kind == RawAnswer::Kind::answers) {
        const auto reading = read_answers(zone, unlisted_point->a);
        if (reading.status == Status::listed) {
            std::string codes;
            for (const auto a : unlisted_point->a) {
                append(codes, v4_text(a));
            }
            h.state = ZoneHealth::State::lists_everything;
            h.evidence = fmt::format("the zone lists everything: its test point {} (which must not "
                                     "be listed) answered {}",
                                     unlisted.point->subject,
                                     codes);
            return h;
        }
    }
    if (listed_point != nullptr && (listed_point->kind == RawAnswer::Kind::nxdomain ||
                                    listed_point->kind == RawAnswer::Kind::nodata)) {
        h.state = ZoneHealth::State::misses_positive;
        h.evidence =
            fmt::format("the zone did not list its own test point {}, so its \"not listed\" "
                        "answers cannot be trusted",
                        listed.point->subject);
        if (!zone.refusal_hint.empty()) {
            h.evidence += " (" + zone.refusal_hint + ")";
        }
        return h;
    }
    const bool pos_ok = listed_point == nullptr || listed_point->kind == RawAnswer::Kind::answers;
    const bool neg_ok = unlisted_point == nullptr ||
                        unlisted_point->kind == RawAnswer::Kind::nxdomain ||
                        unlisted_point->kind == RawAnswer::Kind::nodata;
    if ((listed_point != nullptr || unlisted_point != nullptr) && pos_ok && neg_ok) {
        h.state = ZoneHealth::State::healthy;
    }
    return h;
}

ZoneResult classify(const Zone& zone, const RawAnswer& answer, const ZoneHealth& health) {
    ZoneResult r;
    r.zone = &zone;
    r.elapsed_ms = answer.elapsed_ms;
    r.ttl = answer.ttl;
    r.cached = answer.cached;
    switch (answer.kind) {
    case RawAnswer::Kind::pending:
    case RawAnswer::Kind::timeout:
        r.status = Status::timeout;
        r.error = answer.detail.empty() ? std::string("no answer") : answer.detail;
        break;
    case RawAnswer::Kind::servfail:
        r.status = Status::error;
        r.error = "SERVFAIL: the resolver could not get an answer from the list's name servers "
                  "(the list may be down or dead)";
        break;
    case RawAnswer::Kind::refused:
        r.status = Status::error;
        r.error = "REFUSED: the name server refused the query";
        if (!zone.refusal_hint.empty()) {
            r.error += " (" + zone.refusal_hint + ")";
        }
        break;
    case RawAnswer::Kind::failure:
        r.status = Status::error;
        r.error = answer.detail;
        break;
    case RawAnswer::Kind::skipped:
        r.status = Status::skipped;
        r.error = answer.detail;
        break;
    case RawAnswer::Kind::answers: {
        auto sorted = answer.a;
        std::sort(sorted.begin(), sorted.end());
        sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
        for (const auto a : sorted) {
            r.codes.push_back(v4_text(a));
        }
        const auto reading = read_answers(zone, sorted);
        if (reading.status == Status::error) {
            r.status = Status::error;
            r.severity = Severity::error;
            r.error = reading.meaning;
        } else if (health.state == ZoneHealth::State::lists_everything) {
            r.status = Status::error;
            r.error = health.evidence;
        } else {
            r.status = Status::listed;
            r.severity = reading.severity;
            r.meaning = reading.meaning;
        }
        break;
    }
    case RawAnswer::Kind::nxdomain:
    case RawAnswer::Kind::nodata:
        if (health.state == ZoneHealth::State::misses_positive ||
            health.state == ZoneHealth::State::lists_everything) {
            r.status = Status::error;
            r.error = health.evidence;
        } else {
            r.status = Status::clean;
        }
        break;
    }
    return r;
}

std::string expand_delist_url(const std::string& url_template, const std::string& subject) {
    std::string encoded;
    for (const unsigned char c : subject) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '-' || c == '_' || c == ':' || c == '@') {
            encoded += static_cast<char>(c);
        } else {
            encoded += fmt::format("%{:02X}", c);
        }
    }
    std::string out = url_template;
    for (const std::string_view key : {"{ip}", "{domain}", "{subject}"}) {
        for (auto pos = out.find(key); pos != std::string::npos;
             pos = out.find(key, pos + encoded.size())) {
            out.replace(pos, key.size(), encoded);
        }
    }
    return out;
}

} // namespace rblscope
