// `explain --follow`: findings written one at a time as the logs grow.

#include "report/explain_report.hpp"

#include <fmt/ranges.h>

namespace rblscope {

void write_follow_start(std::FILE* out, const std::vector<std::string>& paths) {
    fmt::print(
        out, "Following {} (findings as they come; Ctrl-C ends)\n\n", fmt::join(paths, ", "));
}

void write_followed_finding(std::FILE* out,
                            bool json,
                            const FindingGroups& groups,
                            std::size_t index,
                            const Rejection& example,
                            const Explanation& explanation) {
    const bool own_cause = index != FindingGroups::npos;
    if (json) {
        FindingGroups::Cause c;
        c.example = example;
        c.explanation = explanation;
        c.count = own_cause ? groups.causes()[index].count : 1;
        c.first_seen = c.last_seen = example.time;
        fmt::memory_buffer b;
        write_finding_json(b, own_cause ? index + 1 : 0, c, nullptr);
        b.push_back('\n');
        std::fwrite(b.data(), 1, b.size(), out);
    } else if (own_cause && groups.causes()[index].count == 1) {
        write_cause_text(out, index + 1, groups.causes()[index]);
    } else {
        write_repeat_text(out, own_cause ? index + 1 : 0, example, explanation);
    }
}

void write_follow_summary(std::FILE* out, const FindingGroups& groups) {
    fmt::print(out,
               "\nSummary: {} findings ({} deferred, {} refused, {} not rejections), {} "
               "distinct causes\n",
               groups.total(),
               groups.deferred(),
               groups.bounced(),
               groups.reports(),
               groups.causes().size());
}

} // namespace rblscope
