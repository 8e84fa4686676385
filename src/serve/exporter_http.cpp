// `rblscope serve`'s HTTP answers: the status page (/), /metrics from memory, /probe as a
// run of its own, /history.json from the --history file, and /healthz.

#include "core/sanitize.hpp"
#include "report/history_report.hpp"
#include "report/status_page.hpp"
#include "serve/exporter.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace rblscope::exporter {

void Exporter::on_http(const HttpQuery& q, Respond respond) {
    if (q.path == "/metrics") {
        respond(HttpAnswer{200, k_metrics_type, metrics_page()});
    } else if (q.path == "/probe") {
        probe(q, std::move(respond));
    } else if (q.path == "/healthz") {
        respond(text_answer(200,
                            m_counters.last_reload_ok ? "ok\n"
                                                      : "ok (the last reload failed; "
                                                        "the previous setup runs)\n"));
    } else if (q.path == "/history.json") {
        respond(history_json(q));
    } else if (q.path == "/") {
        respond(status_page(q));
    } else {
        respond(text_answer(404,
                            "not found: this exporter serves / (its status page), /metrics, "
                            "/probe?target=ADDRESS[&module=NAME], /history.json[?target="
                            "T&since=WHEN] and /healthz\n"));
    }
}

// The file's timelines as `rblscope history --format json` writes them, read beside the
// writer (WAL).
HttpAnswer Exporter::history_json(const HttpQuery& q) const {
    if (m_options.history == nullptr) {
        return text_answer(404, "no history: this exporter runs without --history FILE\n");
    }
    const auto now = static_cast<std::int64_t>(unix_now());
    std::int64_t since = 0;
    if (const auto s = q.args.find("since"); s != q.args.end()) {
        const auto parsed = parse_since(s->second, now);
        if (!parsed) {
            return text_answer(400, sanitize_text(parsed.error().to_string(), 300) + "\n");
        }
        since = parsed.value();
    }
    std::vector<std::string> targets;
    if (const auto t = q.args.find("target"); t != q.args.end()) {
        targets.push_back(t->second);
    }
    const auto timelines = read_history(m_options.history->path(), targets, since);
    if (!timelines) {
        log(ServeLogLevel::error, timelines.error().to_string());
        return text_answer(500, "the history could not be read; see the exporter's log\n");
    }
    fmt::memory_buffer b;
    write_history_json(b, *timelines, now);
    b.push_back('\n');
    return HttpAnswer{200, "application/json", fmt::to_string(b)};
}

HttpAnswer Exporter::status_page(const HttpQuery& q) const {
    constexpr std::size_t k_per_page = 100;
    constexpr std::int64_t k_strip_s = std::int64_t{90} * 86400;
    StatusPage p;
    p.instance = host_name();
    p.now = static_cast<std::int64_t>(unix_now());
    p.history = m_options.history != nullptr;
    if (p.history) {
        p.began = m_options.history->first_refresh();
    }
    if (const auto s = q.args.find("show"); s != q.args.end()) {
        if (s->second != "all" && s->second != "listed" && s->second != "unknown") {
            return text_answer(400, "show must be all, listed or unknown\n");
        }
        p.show = s->second;
    }
    if (const auto pg = q.args.find("page"); pg != q.args.end()) {
        const auto& v = pg->second;
        if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos ||
            std::stoul(v) == 0) {
            return text_answer(400, "page must be a number from 1\n");
        }
        p.page = std::stoul(v);
    }
    // Listed first (the worst score first), then unknown, not yet checked, clean; each in the
    // targets file's order.
    const auto rank = [](const TargetEntry& e) {
        return !e.snapshot                               ? 2
               : e.snapshot->verdict == Verdict::listed  ? 0
               : e.snapshot->verdict == Verdict::unknown ? 1
                                                         : 3;
    };
    std::vector<const TargetEntry*> shown;
    for (const auto& e : m_targets) {
        const int r = rank(e);
        (r == 0 ? p.listed : r == 1 ? p.unknown : r == 2 ? p.unchecked : p.clean) += 1;
        if (e.snapshot) {
            p.last_refresh_unix = std::max(p.last_refresh_unix, e.snapshot->checked_unix);
        }
        if (p.show == "all" || (p.show == "listed" && r == 0) || (p.show == "unknown" && r == 1)) {
            shown.push_back(&e);
        }
    }
    std::stable_sort(shown.begin(), shown.end(), [&](const TargetEntry* a, const TargetEntry* b) {
        const int ra = rank(*a), rb = rank(*b);
        if (ra != rb) {
            return ra < rb;
        }
        return ra == 0 && a->snapshot->score > b->snapshot->score;
    });
    p.matching = shown.size();
    p.pages = std::max<std::size_t>(1, (shown.size() + k_per_page - 1) / k_per_page);
    p.page = std::min(p.page, p.pages);
    const auto first = (p.page - 1) * k_per_page;
    const auto last = std::min(shown.size(), first + k_per_page);
    std::vector<std::string> names;
    for (auto i = first; i < last; ++i) {
        names.push_back(shown[i]->target.text);
    }
    std::vector<HistoryTimeline> timelines;
    if (p.history && !names.empty()) {
        auto read = read_history(m_options.history->path(), names, p.now - k_strip_s);
        if (!read) {
            log(ServeLogLevel::error, read.error().to_string());
        } else {
            timelines = std::move(*read);
        }
    }
    std::map<std::string, const HistoryTimeline*> by_target;
    for (const auto& t : timelines) {
        by_target.emplace(t.target, &t);
    }
    for (auto i = first; i < last; ++i) {
        const auto& e = *shown[i];
        const auto t = by_target.find(e.target.text);
        p.targets.push_back({e.target.text,
                             e.snapshot ? &*e.snapshot : nullptr,
                             t == by_target.end() ? nullptr : t->second});
    }
    for (const auto& [zone, z] : m_zones) {
        if (z.condition && *z.condition != ZoneCondition::healthy &&
            *z.condition != ZoneCondition::untested) {
            p.broken.push_back({zone, z.list, std::string(to_string(*z.condition)), z.evidence});
        }
    }
    return HttpAnswer{200, "text/html; charset=utf-8", render_status_page(p)};
}

std::string Exporter::metrics_page() {
    std::vector<std::pair<std::string, const exporter::Snapshot*>> targets;
    targets.reserve(m_targets.size());
    std::uint64_t unchecked = 0;
    for (const auto& e : m_targets) {
        targets.emplace_back(e.target.text, e.snapshot ? &*e.snapshot : nullptr);
        unchecked += e.snapshot ? 0 : 1;
    }
    m_counters.targets = m_targets.size();
    m_counters.targets_unchecked = unchecked;
    m_counters.refresh_running = m_refresh != nullptr;
    m_counters.version = k_version;
    m_counters.process = exporter::process_stats(m_start_unix);
    return exporter::render_metrics(targets, m_zones, m_counters, unix_now());
}

void Exporter::probe(const HttpQuery& q, Respond respond) {
    const auto reject = [&](unsigned status, std::string why) {
        ++m_counters.probes_rejected;
        respond(text_answer(status, std::move(why) + "\n"));
    };
    const auto t = q.args.find("target");
    if (t == q.args.end() || t->second.empty()) {
        return reject(400, "missing target: /probe?target=ADDRESS[&module=NAME]");
    }
    auto target = parse_target(t->second);
    if (!target) {
        return reject(400, "target: " + sanitize_text(target.error().to_string(), 300));
    }
    if (target->kind == Target::Kind::cidr) {
        return reject(400, "target: a probe checks one address, host or email, not a block");
    }
    std::string module;
    if (const auto m = q.args.find("module"); m != q.args.end()) {
        module = m->second;
    }
    const auto profile = m_setup->modules.find(module);
    if (profile == m_setup->modules.end()) {
        std::vector<std::string> known;
        for (const auto& [name, p] : m_setup->modules) {
            if (!name.empty()) {
                known.push_back(name);
            }
        }
        return reject(400,
                      fmt::format("unknown module \"{}\" (the configuration names: {})",
                                  sanitize_text(module, 80),
                                  known.empty() ? std::string("none")
                                                : fmt::format("{}", fmt::join(known, ", "))));
    }
    if (m_probes.size() >= m_options.max_probes) {
        return reject(503,
                      fmt::format("{} probes are running already; try again", m_probes.size()));
    }
    // Prometheus gives up after the scrape timeout: finish before it, with what is
    // known, rather than answer too late.
    const double budget_s = q.scrape_timeout_s.value_or(
        std::chrono::duration<double>(m_options.default_probe_timeout).count());
    const auto deadline = std::chrono::milliseconds(
        std::max(100L, static_cast<long>(budget_s * 1000 - std::min(500.0, budget_s * 100))));
    auto p = std::make_unique<Probe>();
    p->setup = m_setup;
    p->options = profile->second.options;
    p->options.stop_fd = -1;
    p->options.warn_failing_zones = false;
    p->options.zones_down = zones_down();
    p->options.test_zones_down = false;
    p->options.deadline =
        p->options.deadline.count() > 0 ? std::min(p->options.deadline, deadline) : deadline;
    p->target = std::move(target.value());
    p->respond = std::move(respond);
    ++m_counters.probes;
    if (!host(*p, profile->second)) {
        p->respond(text_answer(500, "the check could not start; see the exporter's log\n"));
        return;
    }
    m_probes.push_back(std::move(p));
}

} // namespace rblscope::exporter
