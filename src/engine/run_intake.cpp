// Targets in and reports out: a target is read only when a window can take its work, and
// at most max(64, --concurrency) are active at once, so memory is bounded by the window, not
// the input. IP targets get one lookup per zone that takes the address family; host names
// resolve A/AAAA first and add IP lookups when the answers arrive, plus domain lookups;
// emails get domain and hash lookups. Reports leave in input order once every test point
// has settled.

#include "core/domain.hpp"
#include "core/hash.hpp"
#include "core/sanitize.hpp"
#include "engine/emission.hpp"
#include "engine/run.hpp"

#include <fmt/format.h>

namespace rblscope::engine {

bool Run::activate_next() {
    const auto max_active = static_cast<std::size_t>(std::max(64, m_options.concurrency));
    if (m_source_done || m_active.size() >= max_active) {
        return false;
    }
    while (true) {
        auto item = m_source.next();
        if (!item) {
            if (const int fd = m_source.waiting_fd(); fd >= 0) {
                wait_for_input(fd);
            } else {
                m_source_done = true;
            }
            return false;
        }
        if (!item->ok()) {
            ++m_summary.input_errors;
            m_exit = worst_of(m_exit, ExitCode::unknown);
            m_sink.on_input_error(item->error());
            continue;
        }
        if (const auto& t = item->value(); !t.note.empty()) {
            // [2001:db8::1]:25 is checked as 2001:db8::1: say what was left out.
            m_sink.on_warning(fmt::format("{}: checked as {}: {}",
                                          t.where.empty() ? sanitize_text(t.text, 80) : t.where,
                                          t.ip.to_string(),
                                          t.note));
        }
        start_target(std::move(item->value()));
        return true;
    }
}

// A pipe paused: the loop sleeps until it is readable (or anything else happens).
void Run::wait_for_input(int fd) {
    if (m_input_fd >= 0) {
        return;
    }
    m_input_fd = fd;
    m_loop.watch(fd, true, false, [this](int, bool, bool) { stop_waiting_for_input(); });
}

void Run::stop_waiting_for_input() {
    if (m_input_fd >= 0) {
        m_loop.unwatch(m_input_fd);
        m_input_fd = -1;
    }
}

void Run::add_lookup(ActiveTarget& t,
                     std::size_t zone,
                     std::string subject,
                     std::string prefix,
                     bool ip_subject,
                     bool front) {
    Lookup l;
    l.zone = zone;
    l.subject = std::move(subject);
    l.prefix = std::move(prefix);
    l.ip_subject = ip_subject;
    l.v6_subject = ip_subject && l.subject.find(':') != std::string::npos;
    t.lookups.push_back(std::move(l));
    ++t.outstanding;
    Job j;
    j.target = &t;
    j.index = t.lookups.size() - 1;
    auto& queue = m_dests[m_zones[zone].dest].queue;
    if (front) {
        queue.push_front(j);
    } else {
        queue.push_back(j);
    }
}

void Run::add_ip_lookups(ActiveTarget& t, const IpAddress& ip, bool front) {
    for (std::size_t z = 0; z < m_zones.size(); ++z) {
        if (m_zones[z].zone->takes(ip.family())) {
            add_lookup(t, z, ip.to_string(), ip.reversed(), true, front);
        }
    }
}

void Run::add_domain_lookups(ActiveTarget& t, const std::string& name) {
    const std::string reg = registered_domain(name);
    for (std::size_t z = 0; z < m_zones.size(); ++z) {
        const Zone& zone = *m_zones[z].zone;
        if (!zone.takes_domain()) {
            continue;
        }
        const bool want_host = zone.domain_query != "registered" || reg == name;
        const bool want_reg = zone.domain_query != "hostname" && reg != name;
        if (want_host) {
            add_lookup(t, z, name, name, false, false);
        }
        if (want_reg) {
            add_lookup(t, z, reg, reg, false, false);
        }
    }
}

void Run::start_target(Target target) {
    auto owned = std::make_unique<ActiveTarget>();
    ActiveTarget& t = *owned;
    t.report.target = std::move(target);
    m_active.push_back(std::move(owned));
    const Target& tg = t.report.target;
    switch (tg.kind) {
    case Target::Kind::ip:
    case Target::Kind::cidr:
        t.report.ip = tg.ip;
        add_ip_lookups(t, tg.ip, false);
        break;
    case Target::Kind::hostname: {
        add_domain_lookups(t, tg.hostname);
        t.outstanding += 2;
        for (const auto kind : {JobKind::resolve_a, JobKind::resolve_aaaa}) {
            Job j;
            j.target = &t;
            j.kind = kind;
            m_dests.front().queue.push_back(j);
        }
        break;
    }
    case Target::Kind::email: {
        add_domain_lookups(t, tg.hostname);
        const std::string canonical = normalize_email(tg.email);
        for (std::size_t z = 0; z < m_zones.size(); ++z) {
            const Zone& zone = *m_zones[z].zone;
            if (zone.kind == ZoneKind::hash) {
                add_lookup(t, z, canonical, hash_label(canonical, zone.hash), false, false);
            }
        }
        break;
    }
    }
    if (t.outstanding == 0) {
        t.report.problems.emplace_back("no zone in the selection takes this kind of target");
        emit_ready();
    }
}

void Run::finish_lookup(ActiveTarget& t) {
    if (--t.outstanding == 0) {
        emit_ready();
    }
}

void Run::emit_ready() {
    while (m_tests_outstanding == 0 && !m_active.empty() && m_active.front()->outstanding == 0) {
        auto t = std::move(m_active.front());
        m_active.pop_front();
        emit(*t);
    }
}

void Run::emit(ActiveTarget& t) {
    complete_report(t, m_zones, m_options.exit_policy);
    const TargetReport& rep = t.report;
    ++m_summary.targets;
    switch (rep.verdict) {
    case Verdict::listed:
        ++m_summary.listed;
        break;
    case Verdict::clean:
        ++m_summary.clean;
        break;
    case Verdict::unknown:
        ++m_summary.unknown;
        break;
    }
    m_exit = worst_of(m_exit, static_cast<ExitCode>(rep.exit_code));
    m_sink.on_target(rep);
}

} // namespace rblscope::engine
