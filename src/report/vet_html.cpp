// The self-contained HTML report of `rblscope vet`: a grid of the addresses coloured by
// grade, each cell a link to its details. Inline CSS, no script, nothing fetched at view
// time; every text from DNS or the catalog is HTML-escaped.

#include "rblscope/vet.hpp"
#include "report/html_text.hpp"
#include "report/time_text.hpp"
#include "report/vet_words.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>

namespace rblscope {

namespace {

using html::esc;

std::string anchor(const IpAddress& ip) {
    std::string a = "a-" + ip.to_string();
    for (auto& c : a) {
        c = (c == '.' || c == ':') ? '-' : c;
    }
    return a;
}

/// The short label in a grid cell: the last octet, or the last group of an IPv6 address.
std::string cell_label(const IpAddress& ip) {
    const auto text = ip.to_string();
    const auto cut = text.find_last_of(ip.is_v4() ? '.' : ':');
    return cut == std::string::npos ? text : text.substr(cut + 1);
}

constexpr std::string_view k_style = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.1em;margin-top:2em}
.grid{display:grid;grid-template-columns:repeat(16,2.6em);gap:3px;margin:1em 0}
.cell{display:block;text-align:center;padding:.45em 0;border-radius:3px;text-decoration:none;color:#000;font-size:12px}
.ready{background:#8fd19e}.caution{background:#ffd966}.burned{background:#f28b82}.unknown{background:#ccc}
.legend span{display:inline-block;padding:.1em .6em;margin-right:.5em;border-radius:3px}
section.addr{border-top:1px solid #ddd;padding:.5em 0}
table{border-collapse:collapse}td,th{text-align:left;padding:.15em .8em .15em 0;vertical-align:top}
code{font-size:12px}
)";

std::string context_html(const VetContext& c) {
    std::string h = "<p id=\"context\">";
    if (c.started_unix > 0) {
        h += "Made " + esc(utc_text(static_cast<std::int64_t>(c.started_unix)));
    }
    if (!c.lists.empty()) {
        h += fmt::format(", asking {} blocklist{} through {}.",
                         c.lists.size(),
                         c.lists.size() == 1 ? "" : "s",
                         esc(c.resolver.empty() ? "the system's resolver" : c.resolver));
        h += fmt::format(" <details><summary>The lists</summary><code>{}</code></details>",
                         esc(fmt::format("{}", fmt::join(c.lists, " "))));
    }
    return h + "</p>\n";
}

std::string listings_html(const std::map<std::string, int>& by_zone) {
    if (by_zone.empty()) {
        return {};
    }
    std::vector<std::pair<std::string, int>> lists(by_zone.begin(), by_zone.end());
    std::stable_sort(lists.begin(), lists.end(), [](const auto& x, const auto& y) {
        return x.second > y.second;
    });
    std::string h = "<h2>Listings by list</h2>\n<table id=\"listings\">";
    for (const auto& [zone, n] : lists) {
        h += fmt::format("<tr><td><code>{}</code></td><td>{} address{}</td></tr>",
                         esc(zone),
                         n,
                         n == 1 ? "" : "es");
    }
    return h + "</table>\n";
}

std::string spf_changes_html(const std::vector<SpfChange>& changes) {
    if (changes.empty()) {
        return {};
    }
    std::string h = "<h2>SPF changes</h2>\n<ul id=\"spf\">";
    for (const auto& c : changes) {
        const auto terms = esc(fmt::format("{}", fmt::join(c.terms, " ")));
        h += fmt::format("<li>{} <code>{}</code>: <code>{}</code> ({} address{}; {})</li>",
                         c.publish ? "publish at" : "add to the record of",
                         esc(c.record),
                         c.publish ? "v=spf1 " + terms + " ~all" : terms,
                         c.addresses,
                         c.addresses == 1 ? "" : "es",
                         esc(c.why));
    }
    return h + "</ul>\n";
}

std::string recipients_html(const DomainVet& domain) {
    if (domain.recipients.empty()) {
        return {};
    }
    std::string h = "<h2>Recipient domains</h2>\n<div id=\"recipients\">";
    for (const auto& r : domain.recipients) {
        h += fmt::format("<h3>{}</h3><table>", esc(r.domain));
        h += fmt::format("<tr><th>MX</th><td>{}</td></tr>", esc(mx_text(r)));
        if (r.provider) {
            const auto& p = *r.provider;
            h += fmt::format("<tr><th>Filter</th><td>{} (by <code>{}</code>)</td></tr>",
                             esc(p.name),
                             esc(r.provider_via));
            if (!p.checks.empty()) {
                h += fmt::format("<tr><th>Checks</th><td>{}</td></tr>", esc(p.checks));
            }
            if (!p.before_sending.empty()) {
                h += "<tr><th>Before sending</th><td><ol>";
                for (const auto& step : p.before_sending) {
                    h += "<li>" + esc(step) + "</li>";
                }
                h += "</ol></td></tr>";
            }
        } else if (!r.mx.empty()) {
            h += fmt::format("<tr><th>Filter</th><td>{}</td></tr>", k_unknown_filter);
        }
        h += "</table>";
    }
    return h + "</div>\n";
}

std::string checklists_html(const std::vector<SenderChecklist>& checklists) {
    std::string h;
    for (const auto& c : checklists) {
        h +=
            fmt::format("<h2>{} sender requirements</h2>\n<p>for {}</p><table class=\"checklist\">",
                        esc(c.provider_name),
                        esc(fmt::format("{}", fmt::join(c.domains, ", "))));
        for (const auto& item : c.items) {
            const auto state = to_string(item.state);
            h += fmt::format("<tr><td class=\"{}\">{}</td><td>{}{}</td><td>{}</td></tr>",
                             item.state == RequirementState::pass   ? "ready"
                             : item.state == RequirementState::fail ? "burned"
                                                                    : "unknown",
                             state,
                             item.requirement.url.empty() ? esc(item.requirement.rule)
                                                          : fmt::format("<a href=\"{}\">{}</a>",
                                                                        esc(item.requirement.url),
                                                                        esc(item.requirement.rule)),
                             item.requirement.applies == "bulk" ? " (bulk senders)" : "",
                             esc(item.detail));
        }
        h += "</table>\n";
    }
    return h;
}

} // namespace

std::string vet_html(const VetReport& report) {
    const auto& all = report.addresses;
    const auto& domain = report.domain;
    std::string title = "rblscope vet";
    for (const auto& t : report.context.targets) {
        title += " " + t;
    }
    std::string h;
    h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
    h += "<meta name=\"viewport\" content=\"width=device-width\">";
    h += fmt::format("<title>{}</title><style>{}</style></head><body>\n", esc(title), k_style);
    h += fmt::format("<h1>{}</h1>\n", esc(title));
    h += context_html(report.context);
    h += fmt::format("<p id=\"summary\">{}</p>\n", esc(grade_summary(report)));
    h += "<p class=\"legend\"><span class=\"ready\">ready</span><span class=\"caution\">caution"
         "</span><span class=\"burned\">burned</span><span class=\"unknown\">unknown</span></p>\n";
    h += "<div class=\"grid\" id=\"grid\">\n";
    for (const auto& a : all) {
        const auto grade = to_string(a.grade);
        h += fmt::format("<a class=\"cell {}\" href=\"#{}\" title=\"{} {}\">{}</a>\n",
                         grade,
                         anchor(a.ip),
                         esc(a.ip.to_string()),
                         grade,
                         esc(cell_label(a.ip)));
    }
    h += "</div>\n";
    h += listings_html(report.listings_by_zone);
    h += spf_changes_html(report.spf_changes);
    if (!report.helo_note.empty()) {
        h += fmt::format("<p id=\"helo\">{}</p>\n", esc(report.helo_note));
    }
    h += recipients_html(domain);
    h += checklists_html(report.checklists);
    if (!domain.domain.empty()) {
        h += fmt::format("<h2>Domain {}</h2>\n<table>", esc(domain.domain));
        if (domain.dmarc) {
            const auto& d = *domain.dmarc;
            h += fmt::format("<tr><th>DMARC</th><td>{}</td><td><code>{}</code> {}</td></tr>",
                             d.policy.empty() ? "none" : "p=" + esc(d.policy),
                             esc(d.queried),
                             esc(d.problem));
        }
        if (domain.dkim) {
            const auto& k = *domain.dkim;
            h += fmt::format("<tr><th>DKIM</th><td>{}</td><td><code>{}</code> {}</td></tr>",
                             !k.present  ? std::string("no key")
                             : k.revoked ? std::string("revoked")
                                         : fmt::format("{} {} bits", esc(k.algorithm), k.bits),
                             esc(k.queried),
                             esc(k.problem));
        }
        h += "</table>\n";
    }
    h += "<h2>Addresses</h2>\n";
    for (const auto& a : all) {
        h += fmt::format(
            "<section class=\"addr\" id=\"{}\"><h3>{} <span class=\"{}\">{}</span></h3>",
            anchor(a.ip),
            esc(a.ip.to_string()),
            to_string(a.grade),
            to_string(a.grade));
        if (!a.reasons.empty()) {
            h += "<ul class=\"reasons\">";
            for (const auto& r : a.reasons) {
                h += "<li>" + esc(r) + "</li>";
            }
            h += "</ul>";
        }
        h += "<table>";
        const auto& p = a.ptr;
        h += fmt::format(
            "<tr><th>PTR</th><td>{}</td></tr>",
            p.names.empty()
                ? std::string("none")
                : esc(fmt::format("{}", fmt::join(p.names, ", "))) +
                      (p.confirmed.empty() ? " (not forward-confirmed)" : " (forward-confirmed)") +
                      (p.generic ? ", generic: " + esc(p.generic_why) : ""));
        if (!p.helo.empty() && p.helo_judged) {
            h += fmt::format("<tr><th>HELO</th><td>{}: {}, {}</td></tr>",
                             esc(p.helo),
                             p.helo_matches ? "matches the PTR" : "differs from the PTR",
                             p.helo_resolves ? "resolves to this address"
                                             : "does not resolve to this address");
        }
        if (a.spf) {
            h += fmt::format("<tr><th>SPF</th><td>{} {}</td></tr>",
                             to_string(a.spf->outcome.result),
                             esc(a.spf->fix.empty() ? a.spf->outcome.mechanism : a.spf->fix));
        }
        if (a.blocklists) {
            std::vector<std::string> listed;
            for (const auto& r : a.blocklists->results) {
                if (r.status == Status::listed) {
                    const auto what =
                        fmt::format("{} ({})", r.zone->zone, fmt::join(r.codes, ", "));
                    listed.push_back(
                        r.delist_url.empty()
                            ? esc(what)
                            : fmt::format("<a href=\"{}\">{}</a>", esc(r.delist_url), esc(what)));
                }
            }
            h += fmt::format("<tr><th>Blocklists</th><td>{}</td></tr>",
                             listed.empty() ? fmt::format("clean on {} lists", a.blocklists->clean)
                                            : fmt::format("{}", fmt::join(listed, "<br>")));
        }
        h += "</table></section>\n";
    }
    h += "</body></html>\n";
    return h;
}

} // namespace rblscope
