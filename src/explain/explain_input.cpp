// explain's inputs read whole (or from --state's position), or followed as they grow: each
// rejection found is explained and grouped as it is parsed, so memory stays flat in the
// input's size.

#include "rblscope/log_input.hpp"

#include <memory>

namespace rblscope {

InputRead explain_input(const std::string& path,
                        FindingGroups& groups,
                        const BounceKnowledge& knowledge,
                        const Catalog& catalog,
                        LogPositions* positions,
                        ExplainTotals& totals,
                        const std::function<bool()>& stop) {
    RejectionReader reader(
        path == "-" ? "stdin" : path,
        [&](Rejection&& r) {
            auto e = explain(r, knowledge, &catalog);
            groups.add(std::move(r), std::move(e));
        },
        &knowledge);
    auto read = read_log_input(path, reader, positions, stop);
    reader.finish();
    totals.interrupted = totals.interrupted || read.interrupted;
    totals.lines += reader.lines();
    totals.bytes += reader.bytes();
    totals.cut += reader.cut_lines();
    return read;
}

void follow_explained(const std::vector<std::string>& paths,
                      LogPositions& positions,
                      const BounceKnowledge& knowledge,
                      const Catalog& catalog,
                      FindingGroups& groups,
                      const FollowedFinding& on_finding,
                      const std::function<bool()>& wait,
                      const std::function<bool()>& stop,
                      const std::function<void(const FollowedLog&, const InputRead&)>& notice) {
    const auto found = [&](Rejection&& r) {
        auto e = explain(r, knowledge, &catalog);
        const Rejection example = r;
        const Explanation meaning = e;
        const auto index = groups.add(std::move(r), std::move(e));
        on_finding(index, example, meaning);
    };
    std::vector<std::unique_ptr<RejectionReader>> readers;
    std::vector<FollowedLog> logs;
    for (const auto& path : paths) {
        readers.push_back(std::make_unique<RejectionReader>(path, found, &knowledge));
        logs.push_back({path, readers.back().get(), {}});
    }
    follow_logs(logs, positions, wait, stop, notice);
}

} // namespace rblscope
