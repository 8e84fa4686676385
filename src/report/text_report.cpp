#include "core/text.hpp"
#include "rblscope/report.hpp"
#include "rblscope/verdict.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <map>

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

/// What the addresses of one CIDR block said so far, for the summary at its end. Memory is
/// bounded by the number of zones (and 20 named addresses), whatever the block's size.
struct BlockTally {
    std::string name; ///< the block as given ("198.51.100.0/24")
    std::size_t addresses = 0, listed = 0, clean = 0, unknown = 0;
    std::vector<std::string> listed_ips; ///< the first few
    std::map<std::string, std::size_t> listings_by_list;
    /// Zones that could not be asked about any address so far, with the first reason.
    std::map<const Zone*, std::string> failing;
    std::size_t hidden = 0; ///< addresses not shown: nothing to say beyond the common failures
};

bool failed(const ZoneResult& r) {
    return r.status == Status::error || r.status == Status::timeout;
}

class TextReport final : public Report {
  public:
    TextReport(std::FILE* out, std::FILE* err, ReportOptions opt)
        : m_out(out), m_err(err), m_opt(std::move(opt)) {}

    void on_target(const TargetReport& rep) override {
        const auto& t = rep.target;
        // An address of a block (`check 198.51.100.0/24`): titled with itself; failures that
        // every address of the block shares are said once, at the block's end.
        const bool in_block = t.kind == Target::Kind::ip && t.cidr.has_value();
        const std::string block_name = in_block ? t.text + "\x1f" + t.where : std::string();
        if (m_block && (!in_block || m_block->name != block_name)) {
            end_block();
        }
        if (in_block && !m_block) {
            m_block = BlockTally{};
            m_block->name = block_name;
        }
        // Failures on the zones that failed for every earlier address of the block are
        // not repeated; the block's summary names them.
        const auto shared_failure = [&](const ZoneResult& r) {
            return in_block && failed(r) && m_block->addresses > 0 &&
                   m_block->failing.contains(r.zone);
        };
        bool worth_showing =
            !in_block || m_opt.show_clean || rep.verdict == Verdict::listed || rep.allowed > 0;
        for (const auto& r : rep.results) {
            worth_showing = worth_showing || (failed(r) && !shared_failure(r));
        }
        std::vector<const ZoneResult*> rows;
        for (const auto& r : rep.results) {
            if ((r.status != Status::clean || m_opt.show_clean) && !shared_failure(r)) {
                rows.push_back(&r);
            }
        }
        if (in_block) {
            tally(rep);
            if (!worth_showing) {
                ++m_block->hidden;
                return;
            }
        }
        std::string title = in_block ? rep.ip.value_or(t.ip).to_string() : t.text;
        fmt::print(m_out, "{}{}\n", m_first ? "" : "\n", title);
        m_first = false;
        for (const auto& a : rep.addresses) {
            fmt::print(m_out, "  {} -> {}\n", a.name, a.ip.to_string());
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
            extra += ", " + counted(rep.errors + rep.timeouts, "error/timeout", "errors/timeouts");
        }
        if (rep.allowed > 0) {
            extra += ", on " + counted(rep.allowed, "allowlist", "allowlists");
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
        if (m_block) {
            end_block();
        }
        if (s.targets > 1 || s.input_errors > 0) {
            fmt::print(m_out,
                       "\n{}: {} listed, {} clean, {} unknown; {}; {}{} in {} ms\n",
                       counted(s.targets, "target", "targets"),
                       s.listed,
                       s.clean,
                       s.unknown,
                       counted(s.input_errors, "bad input line", "bad input lines"),
                       counted(s.queries, "query", "queries"),
                       s.cached_answers > 0
                           ? fmt::format(" and {} answers from the cache", s.cached_answers)
                           : std::string(),
                       s.elapsed_ms);
        }
        std::fflush(m_out);
    }

  private:
    /// Counts one address of the current block. A zone stays "failing" while it has
    /// failed for every address so far.
    void tally(const TargetReport& rep) {
        auto& b = *m_block;
        const bool first = b.addresses == 0;
        ++b.addresses;
        switch (rep.verdict) {
        case Verdict::listed:
            ++b.listed;
            if (b.listed_ips.size() < 20) {
                b.listed_ips.push_back(rep.ip.value_or(rep.target.ip).to_string());
            }
            break;
        case Verdict::clean:
            ++b.clean;
            break;
        case Verdict::unknown:
            ++b.unknown;
            break;
        }
        for (const auto& r : rep.results) {
            if (r.status == Status::listed && r.severity != Severity::allow) {
                ++b.listings_by_list[r.zone->zone];
            }
        }
        if (first) {
            for (const auto& r : rep.results) {
                if (failed(r)) {
                    b.failing.emplace(r.zone, r.error);
                }
            }
            return;
        }
        std::erase_if(b.failing, [&](const auto& entry) {
            return std::none_of(rep.results.begin(), rep.results.end(), [&](const ZoneResult& r) {
                return r.zone == entry.first && failed(r);
            });
        });
    }

    /// The block's summary, as vet ends with one: counts, the listed addresses, the
    /// listings by list, and the lists that could not be asked about any address.
    void end_block() {
        const auto b = std::move(*m_block);
        m_block.reset();
        const auto block = b.name.substr(0, b.name.find('\x1f'));
        fmt::print(m_out,
                   "{}{}: {}: {} listed, {} clean, {} unknown",
                   m_first ? "" : "\n",
                   block,
                   counted(b.addresses, "address", "addresses"),
                   b.listed,
                   b.clean,
                   b.unknown);
        m_first = false;
        if (b.hidden > 0) {
            fmt::print(m_out, " ({} with nothing more to say not shown)", b.hidden);
        }
        fmt::print(m_out, "\n");
        if (!b.listed_ips.empty()) {
            fmt::print(m_out,
                       "  listed: {}{}\n",
                       fmt::join(b.listed_ips, ", "),
                       b.listed > b.listed_ips.size()
                           ? fmt::format(" and {} more", b.listed - b.listed_ips.size())
                           : "");
        }
        if (!b.listings_by_list.empty()) {
            std::vector<std::pair<std::string, std::size_t>> by_list(b.listings_by_list.begin(),
                                                                     b.listings_by_list.end());
            std::stable_sort(by_list.begin(), by_list.end(), [](const auto& x, const auto& y) {
                return x.second > y.second;
            });
            std::vector<std::string> parts;
            parts.reserve(by_list.size());
            for (const auto& [list, n] : by_list) {
                parts.push_back(fmt::format("{} {}", list, n));
            }
            fmt::print(m_out, "  listings by list: {}\n", fmt::join(parts, ", "));
        }
        if (b.addresses > 1) {
            for (const auto& [zone, reason] : b.failing) {
                fmt::print(m_out,
                           "  not asked for any address: {}: {}\n",
                           zone->zone,
                           reason.empty() ? "no answer" : reason);
            }
        }
    }

    std::FILE* m_out;
    std::FILE* m_err;
    ReportOptions m_opt;
    bool m_first = true;
    std::optional<BlockTally> m_block; ///< the block whose addresses are being reported
};

} // namespace

std::unique_ptr<Report> make_text_report(std::FILE* out, std::FILE* err, ReportOptions options) {
    return std::make_unique<TextReport>(out, err, std::move(options));
}

} // namespace rblscope
