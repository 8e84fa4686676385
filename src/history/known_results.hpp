#pragma once
// What the history knows of each (target, zone, subject) between refreshes, kept small for
// 10,000 targets x 50 lists: the entries worth keeping in full (listed, or unanswered now),
// and for the rest one bit per (target and subject, zone): "answered, not listed". A zone
// that never answered for a pair has no bit, so its errors are no "broke" news.

#include "rblscope/changes.hpp"

#include <cstddef>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rblscope::history {

class KnownResults {
  public:
    /// What `report`'s results were before, as track_changes() reads them.
    [[nodiscard]] RunState previous_of(const TargetReport& report) const;

    /// What the file must change after `report`'s results became `next`.
    struct Update {
        std::vector<std::pair<std::string, RunState::Entry>> put;  ///< state rows to write
        std::vector<std::string> erase;                            ///< state rows to delete
        std::vector<std::pair<std::string, std::string>> answered; ///< (key, zone ids) rows
        [[nodiscard]] bool empty() const noexcept {
            return put.empty() && erase.empty() && answered.empty();
        }
    };
    /// Takes `next` (track_changes() on previous_of()) as what is known now.
    [[nodiscard]] Update update(const TargetReport& report, const RunState& next);

    /// Loading from the file.
    void load_entry(std::string key, RunState::Entry entry);
    void load_answered(const std::string& key, const std::string& zone_ids);

    [[nodiscard]] std::size_t entries() const noexcept { return m_entries.size(); }

  private:
    [[nodiscard]] std::size_t zone_index(const std::string& zone_id);
    [[nodiscard]] bool answered(const std::string& pair, const std::string& zone_id) const;
    [[nodiscard]] std::string zone_ids_of(const std::vector<bool>& bits) const;

    std::map<std::string, RunState::Entry> m_entries;
    std::unordered_map<std::string, std::vector<bool>> m_answered; ///< "TARGET\tSUBJECT"
    std::map<std::string, std::size_t, std::less<>> m_zone_index;
    std::vector<std::string> m_zone_ids;
};

} // namespace rblscope::history
