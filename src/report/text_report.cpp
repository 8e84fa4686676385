#include "rblscope/report.hpp"
#include "rblscope/verdict.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace rblscope {

namespace {

// Listings first (worst severity first), then allowlist hits, errors, timeouts, skipped, clean.
int order(const ZoneResult& r) {
    switch (r.status) {
    case Status::listed:
        return r.severity == Severity::critical  ? 0
               : r.severity == Severity::warning ? 1
               : r.severity == Severity::info    ? 2
                                                 : 3;
    case Status::error:
        return 4;
    case Status::timeout:
        return 5;
    case Status::skipped:
        return 6;
    case Status::clean:
        return 7;
    }
    return 8;
}

std::string status_label(const ZoneResult& r) {
    if (r.status == Status::listed && r.severity == Severity::allow) {
        return "allowed";
    }
    if (r.status == Status::listed && r.severity == Severity::warning) {
        return "listed*";
    }
    if (r.status == Status::listed && r.severity == Severity::info) {
        return "info";
    }
    return std::string(to_string(r.status));
}

const char* color_of(const ZoneResult& r) {
    switch (r.status) {
    case Status::listed:
        return r.severity == Severity::critical  ? "\x1b[1;31m"
               : r.severity == Severity::warning ? "\x1b[33m"
               : r.severity == Severity::allow   ? "\x1b[32m"
                                                 : "\x1b[36m";
    case Status::error:
    case Status::timeout:
        return "\x1b[35m";
    default:
        return "";
    }
}

class TextReport final : public Report {
  public:
    TextReport(std::FILE* out, std::FILE* err, ReportOptions opt)
        : m_out(out), m_err(err), m_opt(opt) {}

    void on_target(const TargetReport& rep) override {
        const auto& t = rep.target;
        std::string title = t.text;
        if (rep.ip && t.kind == Target::Kind::cidr) {
            title = fmt::format("{} (from {})", rep.ip->to_string(), t.text);
        }
        fmt::print(m_out, "{}{}\n", m_first ? "" : "\n", title);
        m_first = false;
        for (const auto& a : rep.addresses) {
            fmt::print(m_out, "  {} -> {}\n", a.name, a.ip.to_string());
        }
        std::vector<const ZoneResult*> rows;
        for (const auto& r : rep.results) {
            if (r.status != Status::clean || m_opt.show_clean) {
                rows.push_back(&r);
            }
        }
        std::stable_sort(
            rows.begin(), rows.end(), [](auto* a, auto* b) { return order(*a) < order(*b); });
        const bool show_subject = t.kind != Target::Kind::ip && t.kind != Target::Kind::cidr;
        std::size_t wz = 4, ws = 7, wsub = 7;
        for (const auto* r : rows) {
            wz = std::max(wz, r->zone->zone.size());
            wsub = std::max(wsub, r->subject.size());
            ws = std::max(ws, status_label(*r).size());
        }
        if (!rows.empty()) {
            std::string head = fmt::format("  {:<{}}  {:<{}}  ", "STATUS", ws, "ZONE", wz);
            if (show_subject) {
                head += fmt::format("{:<{}}  ", "SUBJECT", wsub);
            }
            head += "DETAIL";
            fmt::print(m_out, "{}\n", head);
        }
        for (const auto* r : rows) {
            std::string detail;
            if (r->status == Status::listed) {
                detail = fmt::format(
                    "{}{}{}", fmt::join(r->codes, ","), r->meaning.empty() ? "" : " ", r->meaning);
                if (!r->txt.empty()) {
                    detail += fmt::format(" \"{}\"", r->txt);
                }
                if (!r->delist_url.empty()) {
                    detail += " -> " + r->delist_url;
                }
            } else {
                detail = r->error;
                if (!r->codes.empty()) {
                    detail = fmt::format("{} {}", fmt::join(r->codes, ","), detail);
                }
            }
            const std::string label = status_label(*r);
            const char* c = m_opt.color ? color_of(*r) : "";
            std::string line = fmt::format(
                "  {}{:<{}}{}  {:<{}}  ", c, label, ws, *c ? "\x1b[0m" : "", r->zone->zone, wz);
            if (show_subject) {
                line += fmt::format("{:<{}}  ", r->subject, wsub);
            }
            fmt::print(m_out, "{}{}\n", line, detail);
        }
        for (const auto& p : rep.problems) {
            fmt::print(m_out, "  problem: {}\n", p);
        }
        for (const auto& n : rep.notes) {
            fmt::print(m_out, "  note: {}\n", n);
        }
        const auto total = rep.results.size();
        std::string verdict;
        switch (rep.verdict) {
        case Verdict::listed:
            verdict = fmt::format("LISTED on {} of {} lists", rep.listed, total);
            if (rep.worst == Severity::warning) {
                verdict += " (policy/low-severity listings only)";
            }
            break;
        case Verdict::clean:
            // Skipped lists were not asked: "all" counts only the ones that were.
            verdict = rep.skipped == 0 ? fmt::format("CLEAN on all {} lists", total)
                      : total - rep.skipped == 1
                          ? std::string("CLEAN on the one list asked")
                          : fmt::format("CLEAN on all {} lists asked", total - rep.skipped);
            break;
        case Verdict::unknown:
            verdict = fmt::format("UNKNOWN: not listed, but {} of {} lists could not be asked",
                                  rep.errors + rep.timeouts,
                                  total);
            if (rep.errors + rep.timeouts == 0) {
                verdict = "UNKNOWN: nothing could be checked";
            }
            break;
        }
        std::string extra;
        if (rep.verdict == Verdict::listed && rep.errors + rep.timeouts > 0) {
            extra += fmt::format(", {} errors/timeouts", rep.errors + rep.timeouts);
        }
        if (rep.allowed > 0) {
            extra += fmt::format(", on {} allowlists", rep.allowed);
        }
        if (rep.skipped > 0) {
            extra += fmt::format(", {} skipped", rep.skipped);
        }
        const char* vc = !m_opt.color                     ? ""
                         : rep.verdict == Verdict::listed ? "\x1b[1;31m"
                         : rep.verdict == Verdict::clean  ? "\x1b[1;32m"
                                                          : "\x1b[1;35m";
        fmt::print(m_out,
                   "  => {}{}{}{}{}\n",
                   vc,
                   verdict,
                   *vc ? "\x1b[0m" : "",
                   extra,
                   m_opt.show_clean || rep.clean == 0
                       ? ""
                       : fmt::format(" ({} clean not shown)", rep.clean));
        std::fflush(m_out);
    }

    void on_input_error(const Error& e) override {
        fmt::print(m_err, "rblscope: {}\n", e.to_string());
    }
    void on_warning(const std::string& m) override {
        fmt::print(m_err, "rblscope: warning: {}\n", m);
    }

    void finish(const RunSummary& s) override {
        if (s.targets > 1 || s.input_errors > 0) {
            fmt::print(m_out,
                       "\n{} targets: {} listed, {} clean, {} unknown; {} bad input lines; {} "
                       "queries{} in {} ms\n",
                       s.targets,
                       s.listed,
                       s.clean,
                       s.unknown,
                       s.input_errors,
                       s.queries,
                       s.cached_answers > 0
                           ? fmt::format(" and {} answers from the cache", s.cached_answers)
                           : std::string(),
                       s.elapsed_ms);
        }
        std::fflush(m_out);
    }

  private:
    std::FILE* m_out;
    std::FILE* m_err;
    ReportOptions m_opt;
    bool m_first = true;
};

} // namespace

std::unique_ptr<Report> make_text_report(std::FILE* out, std::FILE* err, ReportOptions options) {
    return std::make_unique<TextReport>(out, err, options);
}

} // namespace rblscope
