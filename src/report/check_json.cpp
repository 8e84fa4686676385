#include "report/check_json.hpp"

#include "report/summary_json.hpp"

namespace rblscope {

namespace {

std::string_view kind_name(Target::Kind k) {
    switch (k) {
    case Target::Kind::ip:
        return "ip";
    case Target::Kind::cidr:
        return "cidr";
    case Target::Kind::hostname:
        return "hostname";
    case Target::Kind::email:
        return "email";
    }
    return "?";
}

} // namespace

void write_target_json(JsonWriter& w, const TargetReport& rep) {
    w.begin_object();
    w.key("target");
    w.value(rep.target.text);
    w.key("kind");
    w.value(kind_name(rep.target.kind));
    w.key("ip");
    rep.ip ? w.value(rep.ip->to_string()) : w.null();
    if (!rep.target.where.empty()) {
        w.key("input");
        w.value(rep.target.where);
    }
    w.key("addresses");
    w.begin_array();
    for (const auto& a : rep.addresses) {
        w.begin_object();
        w.key("name");
        w.value(a.name);
        w.key("ip");
        w.value(a.ip.to_string());
        w.end_object();
    }
    w.end_array();
    w.key("verdict");
    w.value(to_string(rep.verdict));
    w.key("exit_code");
    w.value(rep.exit_code);
    w.key("score");
    w.value(rep.score);
    w.key("results");
    w.begin_array();
    for (const auto& r : rep.results) {
        w.begin_object();
        w.key("zone");
        w.value(r.zone->zone);
        w.key("id");
        w.value(r.zone->id);
        w.key("list");
        w.value(r.zone->name);
        w.key("role");
        w.value(to_string(r.zone->role));
        w.key("subject");
        w.value(r.subject);
        w.key("status");
        w.value(to_string(r.status));
        w.key("severity");
        r.status == Status::listed ? w.value(to_string(r.severity)) : w.null();
        w.key("codes");
        w.strings(r.codes);
        w.key("meaning");
        w.string_or_null(r.meaning);
        w.key("txt");
        w.string_or_null(r.txt);
        w.key("delist_url");
        w.string_or_null(r.delist_url);
        w.key("error");
        w.string_or_null(r.error);
        if (!r.facts.empty()) {
            w.key("facts");
            w.begin_object();
            for (const auto& [name, value] : r.facts) {
                w.key(name);
                w.value(value);
            }
            w.end_object();
        }
        w.key("elapsed_ms");
        w.value(r.elapsed_ms);
        w.key("ttl");
        r.status == Status::listed || r.status == Status::clean ? w.value(r.ttl) : w.null();
        w.key("cached");
        w.value(r.cached);
        w.end_object();
    }
    w.end_array();
    w.key("problems");
    w.strings(rep.problems);
    w.key("notes");
    w.strings(rep.notes);
    w.key("counts");
    w.begin_object();
    w.key("listed");
    w.value(rep.listed);
    w.key("allowed");
    w.value(rep.allowed);
    w.key("clean");
    w.value(rep.clean);
    w.key("error");
    w.value(rep.errors);
    w.key("timeout");
    w.value(rep.timeouts);
    w.key("skipped");
    w.value(rep.skipped);
    w.key("total");
    w.value(static_cast<std::uint64_t>(rep.results.size()));
    w.end_object();
    w.end_object();
}

void write_summary_json(JsonWriter& w, const RunSummary& s) {
    w.begin_object();
    write_verdict_counts(w, s);
    w.key("input_errors");
    w.value(s.input_errors);
    w.key("queries");
    w.value(s.queries);
    w.key("cached_answers");
    w.value(s.cached_answers);
    w.key("http_requests");
    w.value(s.http_requests);
    w.key("elapsed_ms");
    w.value(s.elapsed_ms);
    write_run_end(w, s);
    w.key("resolvers");
    w.strings(s.resolvers);
    w.end_object();
}

void write_input_errors_json(JsonWriter& w, const std::vector<Error>& errors) {
    w.begin_array();
    for (const auto& e : errors) {
        w.begin_object();
        w.key("where");
        w.value(e.where);
        w.key("message");
        w.value(e.message);
        w.end_object();
    }
    w.end_array();
}

void write_check_json(JsonWriter& w, const CheckRecord& record) {
    w.begin_object();
    w.key("version");
    w.value(RBLSCOPE_VERSION);
    w.key("targets");
    w.begin_array();
    for (const auto& t : record.targets) {
        write_target_json(w, t);
    }
    w.end_array();
    w.key("summary");
    write_summary_json(w, record.summary);
    w.key("input_errors");
    write_input_errors_json(w, record.input_errors);
    w.key("warnings");
    w.strings(record.warnings);
    w.end_object();
}

} // namespace rblscope
