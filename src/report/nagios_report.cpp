// Monitoring Plugins output (Development Guidelines): "RBL STATE - text | perfdata", then
// long text, one line per listing and per list that could not be asked.

#include "rblscope/report.hpp"
#include "rblscope/verdict.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace rblscope {

namespace {

// '|' starts perfdata for Nagios, in the long text too; newlines would split a line.
std::string plugin_text(std::string_view s) {
    std::string out(s);
    std::replace(out.begin(), out.end(), '|', '/');
    std::replace(out.begin(), out.end(), '\n', ' ');
    return out;
}

// "SBL: Spamhaus Block List, ..." -> "SBL"; long meanings are left out of the status line.
std::string short_meaning(const std::string& meaning) {
    const auto colon = meaning.find(':');
    if (colon != std::string::npos && colon <= 16) {
        return meaning.substr(0, colon);
    }
    return {};
}

std::string number(double v) {
    return fmt::format("{:g}", v);
}

// Long text is capped so a huge block cannot flood the monitoring system.
constexpr std::size_t k_max_long_lines = 500;

class NagiosReport final : public Report {
  public:
    NagiosReport(std::FILE* out, std::FILE* err, ReportOptions opt)
        : m_out(out), m_err(err), m_opt(std::move(opt)) {}

    void on_target(const TargetReport& rep) override {
        ++m_targets;
        // -w/-c apply to each target, so the perfdata carry the worst target's figures.
        m_listed = std::max(m_listed, rep.listed);
        m_score = std::max(m_score, rep.score);
        m_lists = std::max(m_lists, static_cast<int>(rep.results.size()));
        m_errors += rep.errors + rep.timeouts;
        m_total += static_cast<int>(rep.results.size());
        m_worst = worst_of(m_worst, static_cast<ExitCode>(rep.exit_code));
        const std::string name = rep.ip ? rep.ip->to_string() : rep.target.text;
        if (rep.verdict == Verdict::listed) {
            std::vector<std::string> zones;
            for (const auto& r : rep.results) {
                if (r.status == Status::listed &&
                    (r.severity == Severity::critical || r.severity == Severity::warning)) {
                    const auto m = short_meaning(r.meaning);
                    zones.push_back(m.empty() ? r.zone->zone : r.zone->zone + ": " + m);
                }
            }
            m_listed_targets.push_back(
                {name, std::move(zones), rep.listed, static_cast<int>(rep.results.size())});
        }
        m_last_name = name;
        m_last_listed = rep.listed;
        m_last_total = static_cast<int>(rep.results.size());
        m_last_unasked = rep.errors + rep.timeouts;
        for (const auto& r : rep.results) {
            std::string line;
            if (r.status == Status::listed && r.severity != Severity::info) {
                line = fmt::format("{}: {} {}{} {}",
                                   r.severity == Severity::allow ? "allowlisted" : "listed",
                                   r.zone->zone,
                                   r.subject == name ? "" : r.subject + " ",
                                   fmt::join(r.codes, ","),
                                   r.meaning);
                if (!r.txt.empty()) {
                    line += fmt::format(" \"{}\"", r.txt);
                }
                if (!r.delist_url.empty()) {
                    line += " delist: " + r.delist_url;
                }
            } else if (r.status == Status::error || r.status == Status::timeout) {
                line = fmt::format("{}: {}{}: {}",
                                   to_string(r.status),
                                   r.zone->zone,
                                   r.subject == name ? "" : " (" + r.subject + ")",
                                   r.error);
            }
            if (!line.empty()) {
                add_long(m_targets > 1 || rep.target.kind == Target::Kind::cidr
                             ? fmt::format("{} {}", name, line)
                             : line);
            }
        }
        for (const auto& p : rep.problems) {
            add_long("problem: " + p);
        }
    }

    void on_input_error(const Error& e) override {
        fmt::print(m_err, "rblscope: {}\n", e.to_string());
        add_long("bad input: " + e.to_string());
    }

    void on_warning(const std::string& m) override {
        fmt::print(m_err, "rblscope: warning: {}\n", m);
        add_long("warning: " + m);
    }

    void finish(const RunSummary& s) override {
        const auto state = static_cast<ExitCode>(s.exit_code);
        std::string text;
        if (m_targets == 1 && m_listed_targets.size() <= 1) {
            if (!m_listed_targets.empty()) {
                const auto& t = m_listed_targets.front();
                text = fmt::format("{} listed on {} of {} lists ({})",
                                   t.name,
                                   t.listed,
                                   t.total,
                                   join_capped(t.zones, 5));
            } else if (m_last_unasked > 0) {
                text = fmt::format("{} not listed, but {} of {} lists could not be asked",
                                   m_last_name,
                                   m_last_unasked,
                                   m_last_total);
            } else {
                text = fmt::format("{} not listed on {} lists", m_last_name, m_last_total);
            }
        } else if (m_targets == 0) {
            text = "nothing was checked";
        } else {
            std::vector<std::string> parts;
            for (const auto& t : m_listed_targets) {
                parts.push_back(fmt::format("{} on {}", t.name, t.listed));
            }
            text = m_listed_targets.empty() ? fmt::format("none of {} targets listed", m_targets)
                                            : fmt::format("{} of {} targets listed ({})",
                                                          m_listed_targets.size(),
                                                          m_targets,
                                                          join_capped(parts, 5));
            if (m_errors > 0) {
                text += fmt::format(", {} lookups could not be made", m_errors);
            }
        }
        if (s.deadline_reached) {
            text = fmt::format("deadline of {} s reached; {}", number(m_opt.deadline_s), text);
        }
        if (s.interrupted) {
            text = "interrupted; " + text;
        }
        const auto& p = m_opt.policy;
        const auto range = [](const std::optional<ThresholdRange>& r) {
            return r ? r->text() : std::string();
        };
        const std::string count_w = p.on_score ? "" : range(p.warning);
        const std::string count_c = p.on_score ? "" : range(p.critical);
        const std::string score_w = p.on_score ? range(p.warning) : "";
        const std::string score_c = p.on_score ? range(p.critical) : "";
        std::string perf =
            fmt::format("listed={};{};{};0;{} score={};{};{};; errors={};;;0;{} time={}s;;;0",
                        m_listed,
                        count_w,
                        count_c,
                        m_lists,
                        number(m_score),
                        score_w,
                        score_c,
                        m_errors,
                        m_total,
                        fmt::format("{:.3f}", static_cast<double>(s.elapsed_ms) / 1000.0));
        if (m_targets > 1) {
            perf += fmt::format(" targets_listed={};;;0;{}", m_listed_targets.size(), m_targets);
        }
        fmt::print(m_out, "RBL {} - {} | {}\n", to_string(state), plugin_text(text), perf);
        for (const auto& line : m_long) {
            fmt::print(m_out, "{}\n", line);
        }
        if (m_dropped > 0) {
            fmt::print(m_out, "... and {} more lines\n", m_dropped);
        }
        std::fflush(m_out);
    }

  private:
    struct Listed {
        std::string name;
        std::vector<std::string> zones;
        int listed = 0;
        int total = 0;
    };

    static std::string join_capped(const std::vector<std::string>& items, std::size_t cap) {
        std::string out;
        for (std::size_t i = 0; i < items.size() && i < cap; ++i) {
            out += (i == 0 ? "" : ", ") + items[i];
        }
        if (items.size() > cap) {
            out += fmt::format(", +{} more", items.size() - cap);
        }
        return out;
    }

    void add_long(const std::string& line) {
        if (m_long.size() < k_max_long_lines) {
            m_long.push_back(plugin_text(line));
        } else {
            ++m_dropped;
        }
    }

    std::FILE* m_out;
    std::FILE* m_err;
    ReportOptions m_opt;
    int m_targets = 0, m_listed = 0, m_lists = 0, m_errors = 0, m_total = 0;
    double m_score = 0;
    ExitCode m_worst = ExitCode::ok;
    std::vector<Listed> m_listed_targets;
    std::string m_last_name;
    int m_last_listed = 0, m_last_total = 0, m_last_unasked = 0;
    std::vector<std::string> m_long;
    std::size_t m_dropped = 0;
};

} // namespace

std::unique_ptr<Report> make_nagios_report(std::FILE* out, std::FILE* err, ReportOptions options) {
    return std::make_unique<NagiosReport>(out, err, std::move(options));
}

} // namespace rblscope
