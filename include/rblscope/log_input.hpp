#pragma once
/// \file log_input.hpp
/// \brief Reading explain's inputs: whole files, stdin, and growing logs read from where the
/// last run stopped (`explain --state FILE`), across log rotation.

#include "rblscope/catalog.hpp"
#include "rblscope/error.hpp"
#include "rblscope/explain.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace rblscope {

/// Where each log was read up to. A file is known by its device and inode, not its name, so
/// a rotated log (renamed to NAME.1, a new NAME started) is noticed.
class LogPositions {
  public:
    struct Entry {
        std::string path;
        std::uint64_t device = 0, inode = 0;
        std::uint64_t offset = 0; ///< just past the last complete line read
        /// A hash of the first and last bytes before `offset`: a file truncated and written again
        /// past the old length (copytruncate) no longer has them.
        std::uint64_t fingerprint = 0;
    };

    /// Reads a state file; a missing file is an empty state (the first run). A file that is
    /// not one of ours is an error naming it.
    [[nodiscard]] static Result<LogPositions> load(const std::string& path);
    /// Writes the state atomically (temporary file and rename). Returns an error text or "".
    [[nodiscard]] std::string save(const std::string& path) const;

    [[nodiscard]] const Entry* find(const std::string& path) const;
    void set(Entry entry);
    [[nodiscard]] const std::vector<Entry>& entries() const noexcept { return m_entries; }

  private:
    std::vector<Entry> m_entries;
};

/// What reading one input did.
struct InputRead {
    bool ok = true;
    std::string error;        ///< when !ok: what failed ("cannot open: No such file")
    std::uint64_t from = 0;   ///< offset reading started at (0 unless --state)
    bool rotated = false;     ///< the recorded file was rotated (its rest read from NAME.1)
    bool truncated = false;   ///< the file is shorter than recorded: read from the start
    bool interrupted = false; ///< `stop` said to stop
    std::uint64_t bytes = 0;  ///< bytes fed to the reader (NAME.1's rest included)
};

/// Reads `path` ("-" = stdin) into `reader` in 1 MiB blocks until the end or until `stop()`
/// is true. With `positions` (not for stdin): starts where the last run stopped; when the
/// recorded file was rotated, first reads the rest of NAME.1 if that is it, then NAME from
/// the start; a truncated file is read from the start. Only complete lines are read then (a
/// line still being written is read next time), and the position is recorded.
[[nodiscard]] InputRead read_log_input(const std::string& path,
                                       RejectionReader& reader,
                                       LogPositions* positions,
                                       const std::function<bool()>& stop);

/// Records `path` as read up to its last complete line now, so that the next
/// read_log_input() reads only what is written from now on (`explain --follow` starts at the
/// end of a log, as `tail -F` does). Returns an error text or "".
[[nodiscard]] std::string start_at_end(const std::string& path, LogPositions& positions);

/// One log followed by follow_logs(), with the reader its lines go to.
struct FollowedLog {
    std::string path;
    RejectionReader* reader = nullptr;
    /// The error last reported for it (reported again only when it changes).
    std::string last_error;
};

/// Reads each log as it grows until `wait` returns false: after every pass over the logs,
/// `wait()` sleeps the poll interval and says whether to go on. Rotation (a new inode: the
/// rest of NAME.1 first), truncation and a log that is missing for a while are handled as in
/// read_log_input(); `notice(log, read)` hears of each rotation, truncation and error (an
/// error once until it changes). Lines are read whole; after a pass that read something, a
/// bounce message still open in a reader is parsed (a writer pausing ends it).
void follow_logs(std::vector<FollowedLog>& logs,
                 LogPositions& positions,
                 const std::function<bool()>& wait,
                 const std::function<bool()>& stop,
                 const std::function<void(const FollowedLog&, const InputRead&)>& notice);

/// What reading the inputs amounted to.
struct ExplainTotals {
    std::uint64_t lines = 0, bytes = 0, cut = 0;
    bool interrupted = false; ///< SIGINT/SIGTERM stopped the reading
};

/// explain's reading of one input (a bounce, a log, "-" for stdin): every rejection found is
/// explained into `groups`; lines, bytes and cut lines are added to `totals`. `positions`
/// (--state) is read and moved on; `stop` ends the reading early (totals.interrupted). The
/// InputRead says what went wrong, or that the file rotated or was truncated.
InputRead explain_input(const std::string& path,
                        FindingGroups& groups,
                        const BounceKnowledge& knowledge,
                        const Catalog& catalog,
                        LogPositions* positions,
                        ExplainTotals& totals,
                        const std::function<bool()>& stop);

/// A finding `follow_explained()` just grouped: its cause's index in the groups
/// (FindingGroups::npos when it has none of its own), the rejection and its explanation.
using FollowedFinding =
    std::function<void(std::size_t index, const Rejection& example, const Explanation& meaning)>;

/// `explain --follow`: each of `paths` followed from `positions` (start_at_end() sets where a
/// log without one starts), every rejection explained into `groups` and handed to
/// `on_finding` as it is found; `wait`, `stop` and `notice` as for follow_logs().
void follow_explained(const std::vector<std::string>& paths,
                      LogPositions& positions,
                      const BounceKnowledge& knowledge,
                      const Catalog& catalog,
                      FindingGroups& groups,
                      const FollowedFinding& on_finding,
                      const std::function<bool()>& wait,
                      const std::function<bool()>& stop,
                      const std::function<void(const FollowedLog&, const InputRead&)>& notice);

} // namespace rblscope
