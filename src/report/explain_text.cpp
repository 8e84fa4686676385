// `rblscope explain` for people and for monitoring: the explained causes, the summary table,
// the one-line repeats of `--follow`, and the Monitoring Plugins status line.

#include "report/explain_report.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace rblscope {

namespace {

std::string_view action_word(std::string_view action) {
    if (action == "feedback") {
        return "sent a complaint about";
    }
    if (action == "auto-reply") {
        return "auto-replied to";
    }
    if (action == "delivered") {
        return "accepted";
    }
    if (action == "expired") {
        return "never accepted";
    }
    return action == "deferred" || action == "delayed" ? "deferred" : "refused";
}

std::string codes_line(const Explanation& e) {
    std::string out;
    if (e.smtp_code != 0) {
        out += fmt::format("SMTP {}", e.smtp_code);
    }
    if (!e.enhanced_code.empty()) {
        out += (out.empty() ? "" : " · ") + e.enhanced_code;
    }
    if (!e.provider_code.empty()) {
        out += (out.empty() ? "" : " · ") + e.provider_code;
    }
    return out;
}

/// Who refused: the provider (with how it was inferred), else the refusing host.
std::string who(const Rejection& r, const Explanation& e) {
    if (e.provider != nullptr) {
        return e.provider->name + (!e.provider_inferred             ? ""
                                   : e.provider_basis == "reporter" ? " (inferred: its server "
                                                                      "wrote the report)"
                                                                    : " (inferred from the "
                                                                      "recipient's domain)");
    }
    return r.remote_host.empty() ? std::string("The receiver") : r.remote_host;
}

/// "gateway -> mx.example.net [192.0.2.1] for user@example.net (after RCPT TO)"
std::string path_line(const Rejection& r) {
    std::string path;
    if (!r.log_host.empty()) {
        path += r.log_host + " -> ";
    }
    path += r.remote_host.empty()
                ? r.remote_ip
                : r.remote_host + (r.remote_ip.empty() ? "" : " [" + r.remote_ip + "]");
    if (!r.recipient.empty()) {
        path += " for " + r.recipient;
    }
    if (!r.command.empty()) {
        path += " (after " + r.command + ")";
    }
    return path;
}

/// Provider or host as a short name for one-line forms.
std::string short_who(const Rejection& r, const Explanation& e) {
    return e.provider != nullptr ? e.provider->name : r.remote_host;
}

} // namespace

void write_cause_text(std::FILE* out, std::size_t number, const FindingGroups::Cause& c) {
    const auto& e = c.explanation;
    const auto& r = c.example;
    fmt::print(out,
               "{}. {} {} mail{}  [{}{}]\n",
               number,
               who(r, e),
               action_word(r.action),
               e.sending_ip.empty() ? "" : " from " + e.sending_ip,
               to_string(e.category),
               e.rule != nullptr && !e.rule->verified
                   ? ", heuristic: not documented by the provider"
                   : "");
    fmt::print(out, "   seen      {}x", c.count);
    if (!c.first_seen.empty()) {
        fmt::print(
            out, ", {}{}", c.first_seen, c.last_seen != c.first_seen ? " .. " + c.last_seen : "");
    }
    fmt::print(out, "  ({})\n", r.where);
    fmt::print(out, "   reply     {}\n", r.reply);
    if (const auto codes = codes_line(e); !codes.empty()) {
        fmt::print(out, "   codes     {}\n", codes);
    }
    fmt::print(out, "   path      {}\n", path_line(r));
    if (!e.list.empty()) {
        fmt::print(out,
                   "   list      {}\n",
                   e.list_zone != nullptr ? e.list_zone->name + " (" + e.list_zone->zone + ")"
                                          : e.list);
    }
    if (!e.cause.empty()) {
        fmt::print(out, "   cause     {}\n", e.cause);
    } else {
        fmt::print(out,
                   "   cause     not recognised: no pattern in the catalog matches this reply\n");
    }
    for (std::size_t i = 0; i < e.steps.size(); ++i) {
        fmt::print(out, "   {}  {}. {}\n", i == 0 ? "fix     " : "        ", i + 1, e.steps[i]);
    }
    if (!e.delist.empty()) {
        fmt::print(out, "   delist    {}\n", e.delist);
    }
    if (!e.avoid.empty()) {
        fmt::print(out, "   don't     {}\n", e.avoid);
    }
    for (std::size_t i = 0; i < e.requirements.size(); ++i) {
        const auto* q = e.requirements[i];
        fmt::print(out,
                   "   {}  {}{} ({})\n",
                   i == 0 ? "rule    " : "        ",
                   q->rule,
                   q->applies == "bulk" ? " [bulk senders]" : "",
                   q->url);
    }
    if (!e.requirements.empty()) {
        fmt::print(out,
                   "   vet       rblscope vet {} --domain <From: domain> "
                   "--recipient-domain {} fills these in\n",
                   e.sending_ip.empty() ? std::string("<sending IP>") : e.sending_ip,
                   r.recipient.find('@') == std::string::npos
                       ? std::string("<recipient's domain>")
                       : r.recipient.substr(r.recipient.find('@') + 1));
    }
    if (!e.request.empty()) {
        fmt::print(out, "   request   ready to send:\n");
        std::string_view req = e.request;
        while (!req.empty()) {
            const auto nl = req.find('\n');
            fmt::print(out, "     | {}\n", req.substr(0, nl));
            req.remove_prefix(nl == std::string_view::npos ? req.size() : nl + 1);
        }
    }
    fmt::print(out, "\n");
}

void write_repeat_text(std::FILE* out,
                       std::size_t number,
                       const Rejection& r,
                       const Explanation& e) {
    fmt::print(out,
               "{}{} {} mail{} again [{}, as #{}] {}\n",
               r.time.empty() ? "" : r.time + "  ",
               short_who(r, e).empty() ? std::string("the receiver") : short_who(r, e),
               action_word(r.action),
               e.sending_ip.empty() ? "" : " from " + e.sending_ip,
               to_string(e.category),
               number,
               path_line(r));
}

void write_explain_text(std::FILE* out,
                        const FindingGroups& groups,
                        const ExplainTotals& totals,
                        std::size_t max_shown) {
    const auto& causes = groups.causes();
    std::size_t shown = 0;
    for (const auto& c : causes) {
        if (shown == max_shown) {
            fmt::print(out,
                       "... {} more distinct causes (see --format json, or raise --show)\n\n",
                       causes.size() - shown);
            break;
        }
        ++shown;
        write_cause_text(out, shown, c);
    }
    fmt::print(out,
               "Summary: {} lines, {} findings ({} deferred, {} refused{}), {} distinct causes\n",
               totals.lines,
               groups.total(),
               groups.deferred(),
               groups.bounced(),
               groups.reports() > 0
                   ? fmt::format(", {} not rejections: complaints, auto-replies, deliveries",
                                 groups.reports())
                   : std::string(),
               causes.size());
    if (totals.cut > 0) {
        fmt::print(out, "  {} lines longer than 1 MiB were cut\n", totals.cut);
    }
    if (groups.ungrouped() > 0) {
        fmt::print(
            out, "  {} findings beyond the grouping cap are only counted\n", groups.ungrouped());
    }
    if (groups.groups().empty()) {
        return;
    }
    auto sorted = groups.groups();
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
        return a.count > b.count;
    });
    fmt::print(out,
               "\n{:<44} {:<18} {:<24} {:<20} {:>8} {:>8} {:>8}  {}\n",
               "provider",
               "category",
               "sending IP",
               "reported by",
               "count",
               "deferred",
               "refused",
               "first .. last seen");
    for (const auto& g : sorted) {
        fmt::print(out,
                   "{:<44} {:<18} {:<24} {:<20} {:>8} {:>8} {:>8}  {}\n",
                   g.provider.substr(0, 44),
                   to_string(g.category),
                   g.sending_ip.empty() ? "-" : g.sending_ip,
                   g.log_host.empty() ? "-" : g.log_host.substr(0, 20),
                   g.count,
                   g.deferred,
                   g.bounced,
                   g.first_seen.empty() ? "" : g.first_seen + " .. " + g.last_seen);
    }
}

void write_named_lists_text(std::FILE* out,
                            const FindingGroups& groups,
                            const ListStatuses& statuses) {
    bool header = false;
    for (const auto& c : groups.causes()) {
        const auto& e = c.explanation;
        if (e.list_zone == nullptr || e.sending_ip.empty()) {
            continue;
        }
        const auto it = statuses.find({e.sending_ip, e.list_zone->id});
        if (!header) {
            fmt::print(out, "\nLists named in the bounces, now:\n");
            header = true;
        }
        fmt::print(out,
                   "  {} on {} ({}): {}\n",
                   e.sending_ip,
                   e.list,
                   e.list_zone->zone,
                   it == statuses.end() ? "not asked" : it->second);
    }
}

void write_explain_nagios(std::FILE* out,
                          const FindingGroups& groups,
                          int state,
                          const ListStatuses* statuses) {
    static constexpr std::string_view k_states[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
    const FindingGroups::Cause* top = nullptr;
    for (const auto& c : groups.causes()) {
        if (top == nullptr || c.explanation.exit_code > top->explanation.exit_code ||
            (c.explanation.exit_code == top->explanation.exit_code && c.count > top->count)) {
            top = &c;
        }
    }
    std::string status = fmt::format("RBLSCOPE EXPLAIN {} - {} findings ({} deferred, {} refused)",
                                     k_states[std::clamp(state, 0, 3)],
                                     groups.total(),
                                     groups.deferred(),
                                     groups.bounced());
    if (top != nullptr) {
        const auto& e = top->explanation;
        status += fmt::format("; worst: {} {}{} x{}",
                              short_who(top->example, e),
                              to_string(e.category),
                              e.sending_ip.empty() ? "" : " for " + e.sending_ip,
                              top->count);
    }
    if (statuses != nullptr) {
        std::size_t listed = 0;
        for (const auto& [pair, text] : *statuses) {
            listed += text.starts_with("listed") ? 1 : 0;
        }
        status += fmt::format("; checked now: {} listed of {} pairs", listed, statuses->size());
    }
    // '|' starts perfdata in the Monitoring Plugins format, so it cannot appear in the text.
    std::replace(status.begin(), status.end(), '|', '/');
    fmt::print(out,
               "{} | findings={};;;0 deferred={};;;0 refused={};;;0 causes={};;;0\n",
               status,
               groups.total(),
               groups.deferred(),
               groups.bounced(),
               groups.causes().size());
    for (const auto& c : groups.causes()) {
        std::string line = fmt::format("{}x {} {} {}: {}",
                                       c.count,
                                       short_who(c.example, c.explanation),
                                       to_string(c.explanation.category),
                                       c.explanation.sending_ip,
                                       c.example.reply);
        std::replace(line.begin(), line.end(), '|', '/');
        fmt::print(out, "{}\n", line);
    }
    if (statuses != nullptr) {
        for (const auto& [pair, text] : *statuses) {
            if (text.starts_with("listed")) {
                std::string line = fmt::format("now: {} on {}: {}", pair.first, pair.second, text);
                std::replace(line.begin(), line.end(), '|', '/');
                fmt::print(out, "{}\n", line);
            }
        }
    }
}

} // namespace rblscope
