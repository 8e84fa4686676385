// Hostile text through every output format: the strings a report carries from the network
// (TXT reasons, meanings, error texts, delisting URLs, PTR names) are taken from the input,
// sanitised as the engine does, and written as text, Nagios, CSV, Prometheus, JSON and the
// vet HTML page, the listing history (text, CSV, JSON), serve's status page and its
// notifications (the webhook formats, email).
// Input: fields separated by \0.
// Invariants: text and Nagios output hold no control character but newlines; the JSON
// parses; every CSV row has the header's column count; Prometheus lines are well formed;
// the HTML holds no markup from the input.

#include "core/sanitize.hpp"
#include "fuzz_support.hpp"
#include "rblscope/catalog.hpp"
#include "rblscope/report.hpp"
#include "rblscope/vet.hpp"
#include "report/history_report.hpp"
#include "report/notification.hpp"
#include "report/status_page.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using namespace rblscope;

namespace {

/// Runs one report over `report` into memory.
template <typename Make> std::string render(Make make, const TargetReport& report) {
    char* buf = nullptr;
    std::size_t len = 0;
    std::FILE* out = open_memstream(&buf, &len);
    std::FILE* err = std::fopen("/dev/null", "w");
    {
        auto r = make(out, err);
        r->on_target(report);
        r->on_warning(report.notes.empty() ? std::string("w") : report.notes.front());
        RunSummary summary;
        summary.targets = 1;
        r->finish(summary);
    }
    std::fclose(err);
    std::fclose(out);
    std::string text(buf, len);
    std::free(buf);
    return text;
}

// RFC 4180: the number of fields of each record.
void check_csv(std::string_view csv) {
    std::size_t fields = 1, header = 0;
    bool quoted = false, first_row = true;
    for (std::size_t i = 0; i < csv.size(); ++i) {
        const char c = csv[i];
        if (quoted) {
            if (c == '"' && i + 1 < csv.size() && csv[i + 1] == '"') {
                ++i;
            } else if (c == '"') {
                quoted = false;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            ++fields;
        } else if (c == '\r' && i + 1 < csv.size() && csv[i + 1] == '\n') {
            ++i;
            if (first_row) {
                header = fields;
                first_row = false;
            } else if (fields != header) {
                fuzz::fail("a CSV row with another column count", csv);
            }
            fields = 1;
        } else if (c == '\n' || c == '\r') {
            fuzz::fail("a bare line break in CSV", csv);
        }
    }
    if (quoted) {
        fuzz::fail("an unterminated CSV field", csv);
    }
}

// The text exposition format: comments, or NAME{LABEL="VALUE",...} NUMBER.
void check_prometheus(std::string_view text) {
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) {
            fuzz::fail("Prometheus output does not end with a newline", text);
        }
        const auto line = text.substr(start, end - start);
        start = end + 1;
        if (line.empty() || line.front() == '#') {
            continue;
        }
        std::size_t i = 0;
        while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) ||
                                   line[i] == '_' || line[i] == ':')) {
            ++i;
        }
        if (i == 0) {
            fuzz::fail("a Prometheus line without a metric name", line);
        }
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}') {
                while (i < line.size() && line[i] != '=') {
                    ++i;
                }
                if (i + 1 >= line.size() || line[i + 1] != '"') {
                    fuzz::fail("a Prometheus label without a quoted value", line);
                }
                i += 2;
                while (i < line.size() && line[i] != '"') {
                    if (line[i] == '\\') {
                        if (i + 1 >= line.size() ||
                            (line[i + 1] != '\\' && line[i + 1] != '"' && line[i + 1] != 'n')) {
                            fuzz::fail("a bad escape in a Prometheus label", line);
                        }
                        ++i;
                    }
                    ++i;
                }
                ++i;
                if (i < line.size() && line[i] == ',') {
                    ++i;
                }
            }
            ++i;
        }
        if (i >= line.size() || line[i] != ' ') {
            fuzz::fail("a Prometheus sample without a value", line);
        }
    }
}

// The element names of a page, in order.
std::vector<std::string> tags_of(const std::string& html) {
    std::vector<std::string> tags;
    for (auto at = html.find('<'); at != std::string::npos; at = html.find('<', at + 1)) {
        auto end = at + 1;
        while (end < html.size() && (std::isalnum(static_cast<unsigned char>(html[end])) ||
                                     html[end] == '/' || html[end] == '!')) {
            ++end;
        }
        tags.push_back(html.substr(at, end - at));
    }
    return tags;
}

/// The input with the characters that could make markup replaced.
std::string defused(std::string s) {
    for (auto& c : s) {
        if (c == '<' || c == '>' || c == '&' || c == '"' || c == '\'') {
            c = 'x';
        }
    }
    return s;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::FuzzInput in(data, size);
    std::vector<std::string> raw;
    for (int i = 0; i < 8; ++i) {
        raw.emplace_back(in.field('\0'));
    }
    const auto& zones = fuzz::shipped_catalog().zones;

    TargetReport report;
    report.target = parse_target("192.0.2.1").value();
    report.ip = report.target.ip;
    for (int i = 0; i < 3; ++i) {
        ZoneResult r;
        r.zone = &zones[static_cast<std::size_t>(i) * 7 % zones.size()];
        r.subject = "192.0.2.1";
        r.status = static_cast<Status>(i);
        r.codes = {"127.0.0.2"};
        r.meaning = sanitize_text(raw[0]);
        r.txt = sanitize_text(raw[1]);
        r.error = sanitize_text(raw[2]);
        r.delist_url = sanitize_text(raw[3]);
        report.results.push_back(r);
    }
    report.problems = {sanitize_text(raw[4])};
    report.notes = {sanitize_text(raw[5])};
    report.verdict = Verdict::listed;
    report.listed = 1;
    report.exit_code = 2;

    const ReportOptions options;
    const auto text =
        render([&](auto o, auto e) { return make_text_report(o, e, options); }, report);
    fuzz::expect_printable_lines(text, "text report");
    const auto nagios =
        render([&](auto o, auto e) { return make_nagios_report(o, e, options); }, report);
    fuzz::expect_printable_lines(nagios, "nagios report");
    check_csv(render([](auto o, auto e) { return make_csv_report(o, e); }, report));
    check_prometheus(render([](auto o, auto e) { return make_prometheus_report(o, e); }, report));
    const auto json = render([](auto o, auto e) { return make_json_report(o, e); }, report);
    if (!nlohmann::json::accept(json)) {
        fuzz::fail("the JSON report does not parse", json);
    }

    // The page for the input and for the input with markup characters replaced must have
    // the same elements: anything else is markup from the input.
    const auto page = [&](auto shown) {
        AddressVet vet;
        vet.ip = report.target.ip;
        vet.target = "192.0.2.1";
        vet.ptr.names = {shown(raw[6])};
        vet.ptr.helo = shown(raw[7]);
        vet.reasons = {shown(raw[0]), shown(raw[4])};
        TargetReport blocklists = report;
        for (auto& r : blocklists.results) {
            r.meaning = shown(raw[0]);
            r.txt = shown(raw[1]);
            r.error = shown(raw[2]);
            r.delist_url = shown(raw[3]);
        }
        vet.blocklists = blocklists;
        vet.grade = Readiness::burned;
        VetReport vetting;
        vetting.addresses = {vet};
        vetting.domain.domain = shown(raw[5]);
        vetting.context.targets = {shown(raw[6])};
        vetting.context.resolver = shown(raw[2]);
        vetting.context.lists = {shown(raw[3])};
        vetting.listings_by_zone[shown(raw[1])] = 2;
        vetting.helo_note = shown(raw[7]);
        vetting.spf_changes.push_back(
            SpfChange{shown(raw[5]), {shown(raw[4])}, 3, false, shown(raw[0])});
        RecipientCheck recipient;
        recipient.domain = shown(raw[5]);
        recipient.mx = {shown(raw[6])};
        recipient.provider = MailProvider{};
        recipient.provider->name = shown(raw[0]);
        recipient.provider->checks = shown(raw[1]);
        recipient.provider->before_sending = {shown(raw[2])};
        recipient.provider_via = shown(raw[6]);
        vetting.domain.recipients.push_back(recipient);
        if (!nlohmann::json::accept(vet_json(vetting))) {
            fuzz::fail("the vet JSON report does not parse", vet_json(vetting));
        }
        return vet_html(vetting);
    };
    const auto hostile = page([](const std::string& s) { return sanitize_text(s); });
    const auto tame = page([](const std::string& s) { return defused(sanitize_text(s)); });
    if (tags_of(hostile) != tags_of(tame)) {
        fuzz::fail("markup from the input reached the HTML page", hostile);
    }

    // The history as read from a file: its text is not trusted either (raw, unsanitised).
    HistoryTimeline timeline;
    timeline.target = raw[6];
    timeline.listings.push_back(
        {raw[7], raw[5], raw[6], {raw[4], "127.0.0.2"}, raw[0], raw[1], raw[3], 1, 2});
    timeline.listings.push_back({"z", "z", raw[6], {}, raw[0], raw[1], raw[3], 5, std::nullopt});
    HistoryEvent broke;
    broke.zone = raw[7];
    broke.kind = ChangeKind::broke;
    broke.error = raw[2];
    timeline.events.push_back(broke);
    const std::vector<HistoryTimeline> timelines{timeline};
    char* buf = nullptr;
    std::size_t len = 0;
    std::FILE* out = open_memstream(&buf, &len);
    write_history_text(out, timelines, 10);
    std::fclose(out);
    fuzz::expect_printable_lines(std::string(buf, len), "history text");
    std::free(buf);
    out = open_memstream(&buf, &len);
    write_history_csv(out, timelines, 10);
    std::fclose(out);
    check_csv(std::string_view(buf, len));
    std::free(buf);
    fmt::memory_buffer history_json;
    write_history_json(history_json, timelines, 10);
    if (!nlohmann::json::accept(fmt::to_string(history_json))) {
        fuzz::fail("the history JSON does not parse", fmt::to_string(history_json));
    }

    // serve's status page: no markup from the history or the network.
    TargetSnapshot snapshot;
    snapshot.verdict = Verdict::listed;
    snapshot.marks.push_back({raw[6], raw[7], raw[5], Status::listed, true, false, raw[4]});
    snapshot.marks.push_back({raw[6], raw[2], raw[5], Status::timeout, false, false, ""});
    const auto status_page = [&](const std::function<std::string(const std::string&)>& shown) {
        HistoryTimeline t = timeline;
        t.target = shown(t.target);
        for (auto& l : t.listings) {
            for (auto* f : {&l.zone, &l.meaning, &l.txt, &l.delist_url, &l.subject}) {
                *f = shown(*f);
            }
        }
        TargetSnapshot snap = snapshot;
        for (auto& m : snap.marks) {
            m.zone = shown(m.zone);
            m.codes = shown(m.codes);
        }
        StatusPage p;
        p.instance = shown(raw[0]);
        p.now = 1'765'000'000;
        p.history = true;
        p.began = 1;
        p.targets = {{shown(raw[6]), &snap, &t}};
        p.broken = {{shown(raw[7]), shown(raw[5]), "no-answer", shown(raw[2])}};
        return render_status_page(p);
    };
    if (tags_of(status_page([](const std::string& x) { return x; })) !=
        tags_of(status_page([](const std::string& x) { return defused(x); }))) {
        fuzz::fail("markup from the input reached the status page",
                   status_page([](const std::string& x) { return x; }));
    }

    // serve's notifications: JSON that parses, an email whose header holds only ours.
    Notice n;
    n.kind = "newly-listed";
    n.target = raw[6];
    n.zone = raw[7];
    n.zone_id = raw[7];
    n.subject = raw[6];
    n.codes = {raw[4]};
    n.meaning = raw[0];
    n.txt = raw[1];
    n.delist_url = raw[3];
    n.error = raw[2];
    NotifierConfig notifier;
    notifier.from = "rblscope@example.test";
    notifier.to = {"admin@example.test"};
    const NotificationContext context{nullptr, raw[5], 1'765'000'000};
    for (const auto type : {NotifierConfig::Type::webhook,
                            NotifierConfig::Type::slack,
                            NotifierConfig::Type::mattermost,
                            NotifierConfig::Type::teams}) {
        notifier.type = type;
        const auto m = render_notification(notifier, {n, n}, context);
        if (!nlohmann::json::accept(m.body)) {
            fuzz::fail("a notification's JSON does not parse", m.body);
        }
    }
    notifier.type = NotifierConfig::Type::email;
    const auto mail = render_notification(notifier, {n}, context).body;
    const auto head = std::string_view(mail).substr(0, mail.find("\r\n\r\n"));
    std::size_t lines = 0;
    for (std::size_t at = 0; at <= head.size(); ++lines) {
        const auto end = std::min(head.find("\r\n", at), head.size());
        const auto line = head.substr(at, end - at);
        at = end + 2;
        if (line.starts_with(" =?UTF-8?B?") && line.ends_with("?=")) {
            --lines; // a folded RFC 2047 word of the Subject
            continue;
        }
        if (line.find(": ") == std::string_view::npos || line.starts_with(" ")) {
            fuzz::fail("an email header line that is not ours", std::string(head));
        }
    }
    if (lines != 9) {
        fuzz::fail("the email header has other lines than ours", std::string(head));
    }
    if (mail.find('\n') != mail.find("\r\n") + 1 || mail.find("\r\r") != std::string::npos) {
        fuzz::fail("a bare line break in the email", mail);
    }
    return 0;
}
