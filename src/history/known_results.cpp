#include "history/known_results.hpp"

#include "history/codes.hpp"
#include "rblscope/catalog.hpp"

#include <algorithm>

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

std::uint32_t KnownResults::zone_index(const std::string& zone_id) {
    const auto [it, added] =
        m_zone_index.try_emplace(zone_id, static_cast<std::uint32_t>(m_zone_ids.size()));
    if (added) {
        m_zone_ids.push_back(zone_id);
    }
    return it->second;
}

std::optional<std::uint32_t> KnownResults::known_zone(const std::string& zone_id) const {
    const auto it = m_zone_index.find(zone_id);
    return it == m_zone_index.end() ? std::nullopt : std::optional(it->second);
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
        const auto z = known_zone(r.zone->id);
        const auto p = m_pairs.find(pair_key(report, r));
        if (!z || p == m_pairs.end()) {
            continue;
        }
        const auto& slots = p->second.slots;
        const auto slot =
            std::find_if(slots.begin(), slots.end(), [&](const Slot& s) { return s.zone == *z; });
        if (slot != slots.end()) {
            RunState::Entry e;
            e.status = slot->listed ? Status::listed : Status::clean;
            e.codes = split_codes(slot->codes);
            e.unanswered = slot->unanswered;
            e.error = slot->error;
            view.results.emplace(state_key(report, r), std::move(e));
        } else if (*z < p->second.answered.size() && p->second.answered[*z]) {
            view.results.emplace(state_key(report, r), RunState::Entry{}); // clean, answered
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
        const auto pair = pair_key(report, r);
        const auto z = zone_index(r.zone->id);
        auto& state = m_pairs[pair];
        auto& slots = state.slots;
        const auto old =
            std::find_if(slots.begin(), slots.end(), [&](const Slot& s) { return s.zone == z; });
        const auto& e = now->second;
        if (worth_keeping(e)) {
            Slot slot{z, e.status == Status::listed, e.unanswered, join_codes(e.codes), e.error};
            if (old == slots.end()) {
                slots.push_back(std::move(slot));
                ++m_entries;
                u.put.emplace_back(key, e);
            } else {
                const RunState::Entry before{old->listed ? Status::listed : Status::clean,
                                             split_codes(old->codes),
                                             old->unanswered,
                                             old->error};
                if (!same(before, e)) {
                    *old = std::move(slot);
                    u.put.emplace_back(key, e);
                }
            }
        } else if (old != slots.end()) {
            slots.erase(old);
            --m_entries;
            u.erase.push_back(key);
        }
        if (r.status == Status::listed || r.status == Status::clean) {
            auto& bits = state.answered;
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
        u.answered.emplace_back(pair, zone_ids_of(m_pairs[pair].answered));
    }
    return u;
}

void KnownResults::load_entry(const std::string& key, RunState::Entry entry) {
    // "TARGET\tZONE-ID\tSUBJECT" (state_key): the pair is TARGET and SUBJECT.
    const auto first = key.find('\t');
    const auto last = key.rfind('\t');
    if (first == std::string::npos || first == last) {
        return; // not a key this build writes
    }
    const auto z = zone_index(key.substr(first + 1, last - first - 1));
    auto& slots = m_pairs[key.substr(0, first) + key.substr(last)].slots;
    slots.push_back(Slot{z,
                         entry.status == Status::listed,
                         entry.unanswered,
                         join_codes(entry.codes),
                         std::move(entry.error)});
    ++m_entries;
}

void KnownResults::load_answered(const std::string& key, const std::string& zone_ids) {
    auto& bits = m_pairs[key].answered;
    for (const auto& id : split_codes(zone_ids)) {
        const auto z = zone_index(id);
        if (bits.size() <= z) {
            bits.resize(z + 1);
        }
        bits[z] = true;
    }
}

} // namespace rblscope::history
