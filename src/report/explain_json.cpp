// `rblscope explain --format json`: the whole document, and one finding at a time for the
// `--follow` stream. The schema is the README's; strings pass through JsonWriter's escaping.

#include "report/check_json.hpp"
#include "report/explain_report.hpp"
#include "report/json_writer.hpp"

namespace rblscope {

namespace {

void finding_object(JsonWriter& w,
                    std::size_t number,
                    const FindingGroups::Cause& c,
                    const ListStatuses* statuses) {
    const auto& e = c.explanation;
    const auto& r = c.example;
    w.begin_object();
    if (number > 0) {
        w.key("cause_number");
        w.value(static_cast<std::uint64_t>(number));
    }
    w.key("count");
    w.value(c.count);
    w.key("first_seen");
    w.string_or_null(c.first_seen);
    w.key("last_seen");
    w.string_or_null(c.last_seen);
    w.key("where");
    w.value(r.where);
    w.key("source");
    w.value(r.source);
    w.key("action");
    w.value(r.action);
    w.key("provider");
    if (e.provider != nullptr) {
        w.begin_object();
        w.key("id");
        w.value(e.provider->id);
        w.key("name");
        w.value(e.provider->name);
        w.key("inferred");
        w.value(e.provider_inferred);
        w.key("basis");
        w.value(e.provider_basis);
        w.end_object();
    } else {
        w.null();
    }
    w.key("category");
    w.value(to_string(e.category));
    w.key("rule");
    e.rule != nullptr ? w.value(e.rule->id) : w.null();
    w.key("verified");
    w.value(e.rule == nullptr || e.rule->verified);
    w.key("smtp_code");
    e.smtp_code != 0 ? w.value(e.smtp_code) : w.null();
    w.key("enhanced_code");
    w.string_or_null(e.enhanced_code);
    w.key("provider_code");
    w.string_or_null(e.provider_code);
    w.key("temporary");
    w.value(e.temporary);
    w.key("sending_ip");
    w.string_or_null(e.sending_ip);
    w.key("list");
    w.string_or_null(e.list);
    w.key("list_zone");
    e.list_zone != nullptr ? w.value(e.list_zone->id) : w.null();
    w.key("list_now");
    if (statuses != nullptr && e.list_zone != nullptr && !e.sending_ip.empty()) {
        const auto it = statuses->find({e.sending_ip, e.list_zone->id});
        it != statuses->end() ? w.value(it->second) : w.null();
    } else {
        w.null();
    }
    w.key("recipient");
    w.string_or_null(r.recipient);
    w.key("remote_host");
    w.string_or_null(r.remote_host);
    w.key("remote_ip");
    w.string_or_null(r.remote_ip);
    w.key("reported_by");
    w.string_or_null(r.log_host);
    w.key("command");
    w.string_or_null(r.command);
    w.key("reply");
    w.value(r.reply);
    w.key("cause");
    w.string_or_null(e.cause);
    w.key("steps");
    w.strings(e.steps);
    w.key("delist");
    w.string_or_null(e.delist);
    w.key("avoid");
    w.string_or_null(e.avoid);
    w.key("request");
    w.string_or_null(e.request);
    w.key("requirements");
    w.begin_array();
    for (const auto* q : e.requirements) {
        w.begin_object();
        w.key("id");
        w.value(q->id);
        w.key("rule");
        w.value(q->rule);
        w.key("applies");
        w.value(q->applies);
        w.key("url");
        w.string_or_null(q->url);
        w.end_object();
    }
    w.end_array();
    w.key("exit_code");
    w.value(e.exit_code);
    w.end_object();
}

} // namespace

void write_finding_json(fmt::memory_buffer& out,
                        std::size_t number,
                        const FindingGroups::Cause& cause,
                        const ListStatuses* statuses) {
    JsonWriter w(out);
    finding_object(w, number, cause, statuses);
}

void write_explain_json(fmt::memory_buffer& b,
                        const FindingGroups& groups,
                        const ExplainTotals& totals,
                        const LiveCheck* check) {
    const ListStatuses* statuses = check == nullptr ? nullptr : &check->statuses;
    JsonWriter w(b);
    w.begin_object();
    w.key("version");
    w.value(RBLSCOPE_VERSION);
    w.key("findings");
    w.begin_array();
    for (const auto& c : groups.causes()) {
        finding_object(w, 0, c, statuses);
    }
    w.end_array();
    w.key("summary");
    w.begin_object();
    w.key("lines");
    w.value(totals.lines);
    w.key("bytes");
    w.value(totals.bytes);
    w.key("cut_lines");
    w.value(totals.cut);
    w.key("interrupted");
    w.value(totals.interrupted);
    w.key("findings");
    w.value(groups.total());
    w.key("deferred");
    w.value(groups.deferred());
    w.key("refused");
    w.value(groups.bounced());
    w.key("not_rejections");
    w.value(groups.reports());
    w.key("ungrouped");
    w.value(groups.ungrouped());
    w.key("exit_code");
    w.value(groups.worst_exit_code());
    w.key("groups");
    w.begin_array();
    for (const auto& g : groups.groups()) {
        w.begin_object();
        w.key("provider");
        w.value(g.provider);
        w.key("category");
        w.value(to_string(g.category));
        w.key("sending_ip");
        w.string_or_null(g.sending_ip);
        w.key("reported_by");
        w.string_or_null(g.log_host);
        w.key("count");
        w.value(g.count);
        w.key("deferred");
        w.value(g.deferred);
        w.key("refused");
        w.value(g.bounced);
        w.key("first_seen");
        w.string_or_null(g.first_seen);
        w.key("last_seen");
        w.string_or_null(g.last_seen);
        w.end_object();
    }
    w.end_array();
    w.end_object();
    if (check != nullptr) {
        // After the findings, which say what it found; the same document as `check --format
        // json` writes.
        w.key("check");
        check->record ? write_check_json(w, *check->record) : w.null();
    }
    w.end_object();
}

} // namespace rblscope
