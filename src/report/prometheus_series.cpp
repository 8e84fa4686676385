#include "report/prometheus_series.hpp"

#include <fmt/ranges.h>

namespace rblscope {

TargetSnapshot snapshot_of(const TargetReport& report, bool with_clean, double now_unix) {
    TargetSnapshot s;
    s.verdict = report.verdict;
    s.listings = report.listed;
    s.errors = report.errors + report.timeouts;
    s.lists = static_cast<int>(report.results.size());
    s.exit_code = report.exit_code;
    s.score = report.score;
    s.checked_unix = now_unix;
    for (const auto& r : report.results) {
        const bool listed = r.status == Status::listed;
        const bool failed = r.status == Status::error || r.status == Status::timeout;
        if (!listed && !failed && !(with_clean && r.status == Status::clean)) {
            continue;
        }
        SeriesMark m;
        m.subject = r.subject;
        m.zone = r.zone->zone;
        m.list = r.zone->name;
        m.status = r.status;
        m.counts = listed && (r.severity == Severity::critical || r.severity == Severity::warning);
        m.allow = listed && r.severity == Severity::allow;
        m.codes = fmt::format("{}", fmt::join(r.codes, ","));
        s.marks.push_back(std::move(m));
    }
    return s;
}

std::string target_label(const TargetReport& report) {
    if (report.target.kind == Target::Kind::cidr && report.ip) {
        return report.ip->to_string();
    }
    return report.target.text;
}

void TargetSeries::add(const std::string& target, const TargetSnapshot& s) {
    const std::string tl = fmt::format("target=\"{}\"", label_value(target));
    for (const Verdict v : {Verdict::clean, Verdict::listed, Verdict::unknown}) {
        m_verdict.sample(fmt::format("{},verdict=\"{}\"", tl, to_string(v)),
                         v == s.verdict ? 1 : 0);
    }
    m_listings.sample(tl, s.listings);
    m_score.sample(tl, s.score);
    m_errors.sample(tl, s.errors);
    m_lists.sample(tl, s.lists);
    m_status.sample(tl, s.exit_code);
    m_checked.sample(tl, s.checked_unix);
    for (const auto& m : s.marks) {
        const std::string zl = fmt::format("{},subject=\"{}\",zone=\"{}\",list=\"{}\"",
                                           tl,
                                           label_value(m.subject),
                                           label_value(m.zone),
                                           label_value(m.list));
        if (m.status == Status::listed || m.status == Status::clean) {
            if (m.allow) {
                m_allowed.sample(zl, 1);
            } else {
                m_listed.sample(zl, m.counts ? 1 : 0);
            }
            if (m.status == Status::listed) {
                m_codes.sample(fmt::format("{},codes=\"{}\"", zl, label_value(m.codes)), 1);
            }
        } else {
            m_error.sample(zl, 1);
        }
    }
}

void TargetSeries::write_to(fmt::memory_buffer& out) const {
    for (const auto* f : {&m_verdict,
                          &m_listings,
                          &m_score,
                          &m_errors,
                          &m_lists,
                          &m_status,
                          &m_checked,
                          &m_listed,
                          &m_allowed,
                          &m_codes,
                          &m_error}) {
        f->write_to(out);
    }
}

} // namespace rblscope
