#include "history/known_results.hpp"

#include "history/codes.hpp"
#include "rblscope/catalog.hpp"

namespace rblscope::history {

namespace {

bool tracked(const ZoneResult& r) {
    return r.zone != nullptr && r.status != Status::skipped;
}

std::string pair_key(const TargetReport& report, const ZoneResult& r) {
    return report.target.text + '\t' + r.subject;
}

bool worth_keeping(const RunState::Entry& e) {
    return e.status == Status::listed || e.unanswered;
}

bool same(const RunState::Entry& a, const RunState::Entry& b) {
    return a.status == b.status && a.codes == b.codes && a.unanswered == b.unanswered &&
           a.error == b.error;
}

} // namespace

std::size_t KnownResults::zone_index(const std::string& zone_id) {
    const auto [it, added] = m_zone_index.try_emplace(zone_id, m_zone_ids.size());
    if (added) {
        m_zone_ids.push_back(zone_id);
    }
    return it->second;
}

bool KnownResults::answered(const std::string& pair, const std::string& zone_id) const {
    const auto z = m_zone_index.find(zone_id);
    const auto a = m_answered.find(pair);
    return z != m_zone_index.end() && a != m_answered.end() && z->second < a->second.size() &&
           a->second[z->second];
}

std::string KnownResults::zone_ids_of(const std::vector<bool>& bits) const {
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < bits.size(); ++i) {
        if (bits[i]) {
            ids.push_back(m_zone_ids[i]);
        }
    }
    return join_codes(ids);
}

RunState KnownResults::previous_of(const TargetReport& report) const {
    RunState view;
    for (const auto& r : report.results) {
        if (!tracked(r)) {
            continue;
        }
        auto key = state_key(report, r);
        if (const auto it = m_entries.find(key); it != m_entries.end()) {
            view.results.emplace(std::move(key), it->second);
        } else if (answered(pair_key(report, r), r.zone->id)) {
            view.results.emplace(std::move(key), RunState::Entry{}); // clean, answered
        }
    }
    return view;
}

KnownResults::Update KnownResults::update(const TargetReport& report, const RunState& next) {
    Update u;
    std::map<std::string, bool> pairs_changed;
    for (const auto& r : report.results) {
        if (!tracked(r)) {
            continue;
        }
        const auto key = state_key(report, r);
        const auto now = next.results.find(key);
        if (now == next.results.end()) {
            continue; // an error with nothing known before: still nothing known
        }
        const auto old = m_entries.find(key);
        if (worth_keeping(now->second)) {
            if (old == m_entries.end() || !same(old->second, now->second)) {
                m_entries[key] = now->second;
                u.put.emplace_back(key, now->second);
            }
        } else if (old != m_entries.end()) {
            m_entries.erase(old);
            u.erase.push_back(key);
        }
        if (r.status == Status::listed || r.status == Status::clean) {
            const auto pair = pair_key(report, r);
            const auto z = zone_index(r.zone->id);
            auto& bits = m_answered[pair];
            if (bits.size() <= z) {
                bits.resize(z + 1);
            }
            if (!bits[z]) {
                bits[z] = true;
                pairs_changed[pair] = true;
            }
        }
    }
    for (const auto& [pair, changed] : pairs_changed) {
        u.answered.emplace_back(pair, zone_ids_of(m_answered[pair]));
    }
    return u;
}

void KnownResults::load_entry(std::string key, RunState::Entry entry) {
    m_entries.emplace(std::move(key), std::move(entry));
}

void KnownResults::load_answered(const std::string& key, const std::string& zone_ids) {
    auto& bits = m_answered[key];
    for (const auto& id : split_codes(zone_ids)) {
        const auto z = zone_index(id);
        if (bits.size() <= z) {
            bits.resize(z + 1);
        }
        bits[z] = true;
    }
}

} // namespace rblscope::history
