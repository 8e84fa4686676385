#pragma once
// The per-target and per-(target, zone) series that `check --format prometheus` and
// `serve` both write, so a dashboard or an alert works on either. No label takes a value
// that changes with the answer: the verdict is a state set (every state present, 1 for the
// current one), listing codes live on a separate info series, and a lookup error carries
// no reason label. Series therefore stay the same from one refresh to the next.

#include "rblscope/result.hpp"
#include "report/prometheus_text.hpp"

#include <string>
#include <vector>

namespace rblscope {

/// One (subject, zone) result worth a series: a listing or an error (every result when
/// clean answers are wanted too).
struct SeriesMark {
    std::string subject, zone, list;
    Status status = Status::clean;
    bool counts = false; ///< a listing that counts (critical or warning code)
    bool allow = false;  ///< a listing on an allowlist
    std::string codes;   ///< "127.0.0.2,127.0.0.4"
};

/// A target's check, compact: what the series need and nothing else (the exporter keeps one
/// per target, so memory grows with targets, not with answers).
struct TargetSnapshot {
    Verdict verdict = Verdict::unknown;
    int listings = 0, errors = 0, lists = 0, exit_code = 3;
    double score = 0;
    double checked_unix = 0; ///< when the check finished
    std::vector<SeriesMark> marks;
};

/// `with_clean`: keep a mark for "not listed" answers too (rblscope_listed 0).
[[nodiscard]] TargetSnapshot
snapshot_of(const TargetReport& report, bool with_clean, double now_unix);

/// The label a target's series carry: the target as written, or the address for an address
/// of a block (the exporter expands blocks the same way).
[[nodiscard]] std::string target_label(const TargetReport& report);

/// The target families, filled target by target and written once at the end.
class TargetSeries {
  public:
    void add(const std::string& target, const TargetSnapshot& s);
    void write_to(fmt::memory_buffer& out) const;

  private:
    MetricFamily m_verdict{"rblscope_target_verdict",
                           "State set of the target's verdict: one series per verdict (clean, "
                           "listed, unknown), 1 for the current one."};
    MetricFamily m_listings{"rblscope_target_listings",
                            "Number of blocklist listings of the target."};
    MetricFamily m_score{"rblscope_target_score",
                         "Weighted listing score of the target (lists.toml weights)."};
    MetricFamily m_errors{"rblscope_target_lookup_errors",
                          "Number of lists that could not be asked about the target (error or "
                          "timeout); its verdict is unknown when nothing listed it."};
    MetricFamily m_lists{"rblscope_target_lists", "Number of lists asked about the target."};
    MetricFamily m_status{
        "rblscope_target_status",
        "Monitoring Plugins state of the target: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."};
    MetricFamily m_checked{"rblscope_target_last_check_timestamp_seconds",
                           "Unix time the target's latest check finished."};
    MetricFamily m_listed{"rblscope_listed",
                          "1 when the list lists the subject with a critical or warning code (0: "
                          "listed informationally, or answered not listed)."};
    MetricFamily m_allowed{"rblscope_allowlisted", "1 when an allowlist lists the subject."};
    MetricFamily m_codes{"rblscope_listing_info",
                         "The answer codes of a listing (codes label), value 1; join on target, "
                         "subject and zone."};
    MetricFamily m_error{"rblscope_lookup_error",
                         "1 when the list could not be asked about the subject (error or "
                         "timeout; rblscope_zone_condition says why)."};
};

} // namespace rblscope
