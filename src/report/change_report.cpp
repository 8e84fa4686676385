// `check --state FILE`: only what changed since the last run, text or JSON.

#include "rblscope/state.hpp"
#include "rblscope/verdict.hpp"
#include "report/json_writer.hpp"
#include "report/summary_json.hpp"
#include "report/time_text.hpp"

#include <chrono>
#include <ctime>
#include <fmt/format.h>
#include <map>

namespace rblscope {

namespace {

struct Change {
    std::string target, ip, zone, id, subject;
    ChangeKind kind = ChangeKind::listed; ///< listed, newly_listed, codes_changed, delisted
    std::vector<std::string> codes, previous_codes;
    std::string meaning, txt, delist_url;
};

struct ZoneChange {
    std::string zone;
    int broke = 0, recovered = 0;
    std::string error; ///< an example, when it broke
};

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) {
        out += (out.empty() ? "" : ", ") + s;
    }
    return out;
}

class ChangeReport final : public Report {
  public:
    ChangeReport(
        std::FILE* out, std::FILE* err, bool json, const RunState* previous, RunState& next)
        : m_out(out), m_err(err), m_json(json), m_previous(previous), m_next(next) {
        m_next.written = std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
    }

    void on_target(const TargetReport& rep) override {
        const std::string ip = rep.ip ? rep.ip->to_string() : std::string();
        for (auto& change : track_changes(rep, m_previous, m_next)) {
            const ZoneResult& r = *change.result;
            if (change.kind == ChangeKind::broke) {
                auto& z = zone_change(*r.zone);
                ++z.broke;
                z.error = r.error;
                continue;
            }
            if (change.kind == ChangeKind::recovered) {
                ++zone_change(*r.zone).recovered;
                continue;
            }
            Change c{rep.target.text,
                     ip,
                     r.zone->zone,
                     r.zone->id,
                     r.subject,
                     change.kind,
                     r.codes,
                     std::move(change.previous_codes),
                     r.meaning,
                     r.txt,
                     r.delist_url};
            if (!m_json) {
                print(c);
            }
            m_changes.push_back(std::move(c));
        }
    }

    void on_input_error(const Error& e) override {
        fmt::print(m_err, "rblscope: {}\n", e.to_string());
    }
    void on_warning(const std::string& m) override {
        fmt::print(m_err, "rblscope: warning: {}\n", m);
    }

    void finish(const RunSummary& s) override {
        if (m_json) {
            write_json(s);
            return;
        }
        for (const auto& [id, z] : m_zones) {
            if (z.broke > 0) {
                fmt::print(m_out,
                           "zone {} BROKE for {} target{}: {}\n",
                           z.zone,
                           z.broke,
                           z.broke == 1 ? "" : "s",
                           z.error);
            }
            if (z.recovered > 0) {
                fmt::print(m_out,
                           "zone {} RECOVERED for {} target{}\n",
                           z.zone,
                           z.recovered,
                           z.recovered == 1 ? "" : "s");
            }
        }
        const auto counts = fmt::format(
            "{} targets: {} listed, {} clean, {} unknown", s.targets, s.listed, s.clean, s.unknown);
        if (m_previous == nullptr) {
            fmt::print(
                m_out, "{}; no earlier state: this run is the baseline for the next\n", counts);
        } else if (const auto n = m_changes.size() + changed_zones(); n > 0) {
            // Nothing changed: nothing written, so that cron mails only news.
            fmt::print(m_out,
                       "{}; {} since the run of {}\n",
                       counts,
                       fmt::format("{} change{}", n, n == 1 ? "" : "s"),
                       utc_text(m_previous->written));
        }
        std::fflush(m_out);
    }

  private:
    ZoneChange& zone_change(const Zone& z) {
        auto& c = m_zones[z.id];
        c.zone = z.zone;
        return c;
    }

    std::size_t changed_zones() const {
        std::size_t n = 0;
        for (const auto& [id, z] : m_zones) {
            n += (z.broke > 0 ? 1 : 0) + (z.recovered > 0 ? 1 : 0);
        }
        return n;
    }

    void print(const Change& c) {
        std::string line;
        if (c.kind == ChangeKind::delisted) {
            line = fmt::format("{}  DELISTED from {}", c.target, c.zone);
        } else {
            const auto label = c.kind == ChangeKind::newly_listed    ? "NEWLY LISTED on"
                               : c.kind == ChangeKind::codes_changed ? "CODES CHANGED on"
                                                                     : "LISTED on";
            line = fmt::format("{}  {} {} ({}{}{})",
                               c.target,
                               label,
                               c.zone,
                               joined(c.codes),
                               c.meaning.empty() ? "" : ": ",
                               c.meaning);
            if (!c.previous_codes.empty()) {
                line += fmt::format(", was {}", joined(c.previous_codes));
            }
            if (!c.txt.empty()) {
                line += fmt::format(" \"{}\"", c.txt);
            }
            if (!c.delist_url.empty()) {
                line += "; delist: " + c.delist_url;
            }
            if (c.kind == ChangeKind::listed) {
                line += m_previous == nullptr ? "" : " (no earlier result)";
            }
        }
        if (c.subject != c.target && c.subject != c.ip) {
            line += fmt::format(" [{}]", c.subject);
        }
        fmt::print(m_out, "{}\n", line);
        std::fflush(m_out);
    }

    void write_json(const RunSummary& s) {
        fmt::memory_buffer b;
        JsonWriter w(b);
        w.begin_object();
        w.key("version");
        w.value(RBLSCOPE_VERSION);
        w.key("previous_run");
        m_previous == nullptr ? w.null() : w.value(utc_text(m_previous->written));
        w.key("changes");
        w.begin_array();
        for (const auto& c : m_changes) {
            w.begin_object();
            w.key("target");
            w.value(c.target);
            w.key("ip");
            w.string_or_null(c.ip);
            w.key("zone");
            w.value(c.zone);
            w.key("id");
            w.value(c.id);
            w.key("subject");
            w.value(c.subject);
            w.key("change");
            w.value(to_string(c.kind));
            w.key("codes");
            w.strings(c.codes);
            w.key("previous_codes");
            w.strings(c.previous_codes);
            w.key("meaning");
            w.string_or_null(c.meaning);
            w.key("txt");
            w.string_or_null(c.txt);
            w.key("delist_url");
            w.string_or_null(c.delist_url);
            w.end_object();
        }
        w.end_array();
        w.key("zones");
        w.begin_array();
        for (const auto& [id, z] : m_zones) {
            for (const bool broke : {true, false}) {
                const int n = broke ? z.broke : z.recovered;
                if (n == 0) {
                    continue;
                }
                w.begin_object();
                w.key("zone");
                w.value(z.zone);
                w.key("id");
                w.value(id);
                w.key("change");
                w.value(to_string(broke ? ChangeKind::broke : ChangeKind::recovered));
                w.key("targets");
                w.value(n);
                w.key("error");
                w.string_or_null(broke ? z.error : std::string());
                w.end_object();
            }
        }
        w.end_array();
        w.key("summary");
        w.begin_object();
        write_verdict_counts(w, s);
        w.key("changes");
        w.value(static_cast<std::uint64_t>(m_changes.size() + changed_zones()));
        write_run_end(w, s);
        w.end_object();
        w.end_object();
        b.push_back('\n');
        std::fwrite(b.data(), 1, b.size(), m_out);
        std::fflush(m_out);
    }

    std::FILE* m_out;
    std::FILE* m_err;
    bool m_json;
    const RunState* m_previous;
    RunState& m_next;
    std::vector<Change> m_changes;
    std::map<std::string, ZoneChange> m_zones;
};

} // namespace

std::unique_ptr<Report> make_change_report(
    std::FILE* out, std::FILE* err, bool json, const RunState* previous, RunState& next) {
    return std::make_unique<ChangeReport>(out, err, json, previous, next);
}

} // namespace rblscope
