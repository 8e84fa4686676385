// FindingGroups: distinct causes and per-sender counts over a whole log.

#include "rblscope/explain.hpp"

#include <algorithm>

namespace rblscope {

namespace {

bool is_deferral(std::string_view action) {
    return action == "deferred" || action == "delayed";
}

void seen(std::string& first, std::string& last, const std::string& time) {
    if (time.empty()) {
        return;
    }
    if (first.empty()) {
        first = time;
    }
    last = time;
}

} // namespace

std::size_t FindingGroups::add(Rejection&& rj, Explanation&& ex) {
    ++m_total;
    const bool deferral = is_deferral(rj.action);
    const bool report = ex.category == RejectCategory::not_a_rejection;
    ++(report ? m_reports : deferral ? m_deferred : m_bounced);
    m_worst = std::max(m_worst, ex.exit_code);

    const std::string provider = ex.provider != nullptr
                                     ? ex.provider->name
                                     : (rj.remote_host.empty() ? rj.remote_ip : rj.remote_host);
    std::string group_key = provider;
    for (const std::string* part : {&rj.log_host, &ex.sending_ip}) {
        group_key += '\x1f';
        group_key += *part;
    }
    group_key += '\x1f';
    group_key += to_string(ex.category);
    std::string cause_key = ex.rule != nullptr
                                ? ex.rule->id
                                : "?" + std::to_string(ex.smtp_code) + " " + ex.enhanced_code;
    for (const std::string* part : std::initializer_list<const std::string*>{
             &provider, &ex.sending_ip, &ex.list, &ex.provider_code}) {
        cause_key += '\x1f';
        cause_key += *part;
    }

    bool grouped = false;
    if (auto it = m_group_index.find(group_key); it != m_group_index.end()) {
        auto& g = m_groups[it->second];
        ++g.count;
        if (!report) {
            ++(deferral ? g.deferred : g.bounced);
        }
        seen(g.first_seen, g.last_seen, rj.time);
        grouped = true;
    } else if (m_groups.size() < m_max) {
        Group g;
        g.provider = provider;
        g.category = ex.category;
        g.sending_ip = ex.sending_ip;
        g.log_host = rj.log_host;
        g.count = 1;
        if (!report) {
            ++(deferral ? g.deferred : g.bounced);
        }
        seen(g.first_seen, g.last_seen, rj.time);
        m_group_index.emplace(std::move(group_key), m_groups.size());
        m_groups.push_back(std::move(g));
        grouped = true;
    }
    std::size_t index = npos;
    if (auto it = m_cause_index.find(cause_key); it != m_cause_index.end()) {
        index = it->second;
        auto& c = m_causes[index];
        ++c.count;
        seen(c.first_seen, c.last_seen, rj.time);
    } else if (m_causes.size() < m_max) {
        index = m_causes.size();
        Cause c;
        c.count = 1;
        seen(c.first_seen, c.last_seen, rj.time);
        c.example = std::move(rj);
        c.explanation = std::move(ex);
        m_cause_index.emplace(std::move(cause_key), m_causes.size());
        m_causes.push_back(std::move(c));
    } else {
        grouped = false;
    }
    if (!grouped) {
        ++m_ungrouped;
    }
    return index;
}

} // namespace rblscope
