#pragma once
// What the history knows of each (target, zone, subject) between refreshes, kept small for
// 10,000 targets x 50 lists: the entries worth keeping in full (listed, or unanswered now),
// and for the rest one bit per (target and subject, zone): "answered, not listed". A zone
// that never answered for a pair has no bit, so its errors are no "broke" news.

#include "rblscope/changes.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
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
    void load_entry(const std::string& key, RunState::Entry entry);
    void load_answered(const std::string& key, const std::string& zone_ids);

    /// The entries kept in full (listed, or unanswered now).
    [[nodiscard]] std::size_t entries() const noexcept { return m_entries; }

  private:
    /// An entry kept in full, small: a listing's codes joined ("127.0.0.2" fits in the
    /// string itself), the zone by number. 48,000 open listings cost some 4 MiB, not 14.
    struct Slot {
        std::uint32_t zone = 0;
        bool listed = false;
        bool unanswered = false;
        std::string codes, error;
    };
    /// Everything known of one (target, subject): per zone, "answered" bits and full slots.
    struct PairState {
        std::vector<bool> answered;
        std::vector<Slot> slots;
    };

    [[nodiscard]] std::uint32_t zone_index(const std::string& zone_id);
    [[nodiscard]] std::optional<std::uint32_t> known_zone(const std::string& zone_id) const;
    [[nodiscard]] std::string zone_ids_of(const std::vector<bool>& bits) const;

    std::unordered_map<std::string, PairState> m_pairs; ///< "TARGET\tSUBJECT"
    std::map<std::string, std::uint32_t, std::less<>> m_zone_index;
    std::vector<std::string> m_zone_ids;
    std::size_t m_entries = 0;
};

} // namespace rblscope::history
