// One rejection -> provider, rule, codes, sending IP, list and the filled-in remediation.

#include "core/sanitize.hpp"
#include "core/text.hpp"
#include "explain/knowledge_impl.hpp"
#include "rblscope/ip.hpp"

#include <algorithm>
#include <cctype>

namespace rblscope {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

/// "5.7.606" at `s[i]`, bounded by non-alphanumerics (not part of an IP or a version).
std::string enhanced_at(std::string_view s, std::size_t i) {
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(s[i - 1])) != 0 || s[i - 1] == '.')) {
        return {};
    }
    if (i + 4 >= s.size() || (s[i] != '2' && s[i] != '4' && s[i] != '5') || s[i + 1] != '.') {
        return {};
    }
    std::size_t j = i + 2;
    int parts = 1;
    std::size_t digits = 0;
    while (j < s.size()) {
        if (is_digit(s[j]) && digits < 3) {
            ++digits;
        } else if (s[j] == '.' && digits > 0 && parts == 1) {
            ++parts;
            digits = 0;
        } else {
            break;
        }
        ++j;
    }
    if (parts != 2 || digits == 0) {
        return {};
    }
    if (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) != 0 ||
                         (s[j] == '.' && j + 1 < s.size() && is_digit(s[j + 1])))) {
        return {};
    }
    return std::string(s.substr(i, j - i));
}

std::string first_enhanced(std::string_view reply) {
    for (std::size_t i = 0; i < reply.size(); ++i) {
        if (auto e = enhanced_at(reply, i); !e.empty()) {
            return e;
        }
    }
    return {};
}

/// The first address in the reply that is not the rejecting server's own.
std::string ip_in_text(std::string_view reply, std::string_view remote_ip) {
    std::size_t i = 0;
    while (i < reply.size()) {
        while (i < reply.size() &&
               !(std::isxdigit(static_cast<unsigned char>(reply[i])) != 0 || reply[i] == ':')) {
            ++i;
        }
        std::size_t j = i;
        while (j < reply.size() && (std::isxdigit(static_cast<unsigned char>(reply[j])) != 0 ||
                                    reply[j] == '.' || reply[j] == ':')) {
            ++j;
        }
        auto tok = reply.substr(i, j - i);
        while (!tok.empty() && (tok.back() == '.' || tok.back() == ':')) {
            tok.remove_suffix(1);
        }
        if (tok.size() >= 7 &&
            (tok.find('.') != std::string_view::npos || tok.find(':') != std::string_view::npos)) {
            if (auto ip = IpAddress::parse(tok); ip && tok != remote_ip) {
                // "4.16.55.1" in Yahoo replies is a diagnostic, not an address.
                const bool yahoo_diag = tok.starts_with("4.16.");
                if (!yahoo_diag && !ip->is_loopback_v4()) {
                    return ip->to_string();
                }
            }
        }
        i = j == i ? i + 1 : j;
    }
    return {};
}

} // namespace

const MailProvider* provider_for_host(const BounceKnowledge& k, std::string_view host) {
    if (host.empty()) {
        return nullptr;
    }
    // The longest suffix wins: ".olc.protection.outlook.com" (Outlook.com) over
    // ".protection.outlook.com" (Microsoft 365), whatever their order in the file.
    const auto h = ascii_lower(host);
    const MailProvider* best = nullptr;
    std::size_t best_len = 0;
    for (const auto& p : k.providers()) {
        for (const std::string_view suffix : p.hosts) {
            const bool match = suffix.starts_with('.')
                                   ? h.ends_with(suffix) || std::string_view(h) == suffix.substr(1)
                                   : h == suffix;
            if (match && suffix.size() > best_len) {
                best = &p;
                best_len = suffix.size();
            }
        }
    }
    return best;
}

namespace {

const MailProvider* provider_by_domain(const BounceKnowledge& k, std::string_view recipient) {
    const auto at = recipient.rfind('@');
    if (at == std::string_view::npos) {
        return nullptr;
    }
    const auto d = ascii_lower(recipient.substr(at + 1));
    for (const auto& p : k.providers()) {
        if (std::find(p.domains.begin(), p.domains.end(), d) != p.domains.end()) {
            return &p;
        }
    }
    return nullptr;
}

/// A provider named by a host name or a mail address in the reply ("[BL2NAM02FT061.eop-
/// nam02.prod.protection.outlook.com]", "<user@docomo.ne.jp>: User unknown").
const MailProvider* provider_in_text(const BounceKnowledge& k, std::string_view reply) {
    const auto host_char = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-';
    };
    int tokens = 0;
    for (std::size_t i = 0; i < reply.size() && tokens < 64;) {
        while (i < reply.size() && !host_char(reply[i])) {
            ++i;
        }
        std::size_t j = i;
        while (j < reply.size() && host_char(reply[j])) {
            ++j;
        }
        auto tok = reply.substr(i, j - i);
        while (!tok.empty() && tok.back() == '.') {
            tok.remove_suffix(1);
        }
        const bool address = j < reply.size() && reply[j] == '@';
        if (!address && tok.find('.') != std::string_view::npos &&
            std::any_of(tok.begin(), tok.end(), [](char c) {
                return std::isalpha(static_cast<unsigned char>(c)) != 0;
            })) {
            ++tokens;
            if (const auto* p = provider_for_host(k, tok)) {
                return p;
            }
            if (i > 0 && reply[i - 1] == '@') {
                const auto d = ascii_lower(tok);
                for (const auto& p : k.providers()) {
                    if (std::find(p.domains.begin(), p.domains.end(), d) != p.domains.end()) {
                        return &p;
                    }
                }
            }
        }
        i = j + 1;
    }
    return nullptr;
}

void replace_all(std::string& s, std::string_view key, std::string_view value) {
    for (auto at = s.find(key); at != std::string::npos; at = s.find(key, at + value.size())) {
        s.replace(at, key.size(), value);
    }
}

} // namespace

Explanation explain(const Rejection& rj, const BounceKnowledge& knowledge, const Catalog* catalog) {
    Explanation e;
    const auto& impl = knowledge.impl();
    const std::string_view reply = rj.reply;
    if (reply.size() >= 3 && is_digit(reply[0]) && is_digit(reply[1]) && is_digit(reply[2]) &&
        (reply[0] == '4' || reply[0] == '5') && (reply.size() == 3 || !is_digit(reply[3]))) {
        e.smtp_code = (reply[0] - '0') * 100 + (reply[1] - '0') * 10 + (reply[2] - '0');
    }
    e.enhanced_code = first_enhanced(reply);
    if (e.enhanced_code.empty()) {
        e.enhanced_code = rj.status;
    }
    e.temporary = e.smtp_code != 0 ? e.smtp_code / 100 == 4
                                   : (rj.action == "deferred" || rj.action == "delayed" ||
                                      e.enhanced_code.starts_with('4'));

    // The rule: a report's own (by its action), else the first pattern in file order, else
    // an enhanced status code.
    for (const auto& rule : impl.rules) {
        if (std::find(rule.actions.begin(), rule.actions.end(), rj.action) != rule.actions.end()) {
            e.rule = &rule;
            break;
        }
    }
    if (e.rule != nullptr) {
        // A report is not a rejection: its words are not matched against rejection rules.
    } else if (const auto hit = impl.first_rule_match(reply); hit >= 0) {
        const auto& [rule_index, re] = impl.rule_patterns[static_cast<std::size_t>(hit)];
        e.rule = &impl.rules[rule_index];
        const int groups = re->NumberOfCapturingGroups();
        std::vector<re2::StringPiece> caps(static_cast<std::size_t>(groups) + 1);
        if (re->Match(reply,
                      0,
                      reply.size(),
                      RE2::UNANCHORED,
                      caps.data(),
                      static_cast<int>(caps.size()))) {
            for (const auto& [name, index] : re->NamedCapturingGroups()) {
                const auto piece = caps[static_cast<std::size_t>(index)];
                const std::string_view v(piece.data(), piece.size());
                if (piece.data() == nullptr || v.empty()) {
                    continue;
                }
                if (name == "ip" && IpAddress::parse(v)) {
                    e.sending_ip = IpAddress::parse(v)->to_string();
                } else if (name == "list") {
                    e.list = sanitize_text(v, 128);
                } else if (name == "code") {
                    e.provider_code = sanitize_text(v, 64);
                }
            }
        }
    }
    // An enhanced status code says more than words that say only "not delivered".
    if (!e.enhanced_code.empty() &&
        (e.rule == nullptr ||
         (e.rule->category == RejectCategory::unknown && e.rule->actions.empty()))) {
        for (const auto& rule : impl.rules) {
            if (std::find(rule.statuses.begin(), rule.statuses.end(), e.enhanced_code) !=
                rule.statuses.end()) {
                e.rule = &rule;
                break;
            }
        }
    }
    // A reply that names no cause of its own is explained by its SMTP stage's rule: at the
    // greeting, before the client said a word, only the connecting address was known.
    if (e.smtp_code != 0 && !rj.command.empty() &&
        (e.rule == nullptr ||
         (e.rule->actions.empty() && (e.rule->category == RejectCategory::unknown ||
                                      e.rule->category == RejectCategory::network)))) {
        const std::string_view stage = rj.command == "connect" ? "greeting"
                                       : rj.command == "EHLO"  ? "HELO"
                                       : rj.command == "MAIL"  ? "MAIL FROM"
                                       : rj.command == "RCPT"  ? "RCPT TO"
                                                               : std::string_view(rj.command);
        for (const auto& rule : impl.rules) {
            if (std::find(rule.stages.begin(), rule.stages.end(), stage) != rule.stages.end()) {
                e.rule = &rule;
                break;
            }
        }
    }
    if (e.rule != nullptr) {
        e.category = e.rule->category;
        // The SMTP stage says what a vague refusal is about. Before HELO only the connecting
        // address is known ("Access denied", "554 No SMTP service here" block the IP); at
        // HELO the name given; at MAIL FROM the envelope sender.
        const bool vague = e.category == RejectCategory::policy && e.rule->provider.empty();
        if (vague && (rj.command == "greeting" || rj.command == "connect")) {
            e.category = RejectCategory::provider_blocklist;
        } else if (vague && (rj.command == "HELO" || rj.command == "EHLO")) {
            e.category = RejectCategory::reverse_dns;
        } else if (vague && (rj.command == "MAIL FROM" || rj.command == "MAIL")) {
            e.category = RejectCategory::sender;
        }
        if (e.list.empty()) {
            e.list = e.rule->list;
        }
    }

    if (e.rule == nullptr && (rj.command == "HELO" || rj.command == "EHLO")) {
        e.category = RejectCategory::reverse_dns; // refused at HELO, words we do not know
    }

    // The provider: the host that refused, then the text, then the rule, then the
    // recipient's domain (inferred: a gateway may stand in front of it).
    e.provider = provider_for_host(knowledge, rj.remote_host);
    e.provider_basis = "host";
    if (e.provider == nullptr) {
        e.provider = impl.provider_by_signature(reply);
        e.provider_basis = "text";
    }
    if (e.provider == nullptr) {
        e.provider = provider_in_text(knowledge, reply);
    }
    if (e.provider == nullptr && e.rule != nullptr && !e.rule->provider.empty()) {
        e.provider = knowledge.provider(e.rule->provider);
        e.provider_basis = "rule";
    }
    if (e.provider == nullptr) {
        e.provider = provider_by_domain(knowledge, rj.recipient);
        e.provider_basis = "recipient-domain";
        e.provider_inferred = e.provider != nullptr;
    }
    if (e.provider == nullptr && rj.remote_host.empty() && rj.remote_ip.empty()) {
        // No refusing server named: the provider whose server wrote the report (its own
        // outbound refused or gave up).
        e.provider = provider_for_host(knowledge, rj.log_host);
        e.provider_basis = "reporter";
        e.provider_inferred = e.provider != nullptr;
    }
    if (e.provider == nullptr) {
        e.provider_basis.clear();
    }

    if (e.sending_ip.empty()) {
        e.sending_ip = ip_in_text(reply, rj.remote_ip);
    }
    if (catalog != nullptr) {
        // The list the reply names (sbl.spamhaus.org) before the rule's default (ZEN).
        if (!e.list.empty()) {
            e.list_zone = catalog->find(ascii_lower(e.list));
        }
        if (e.list_zone == nullptr && e.rule != nullptr && !e.rule->zone.empty()) {
            e.list_zone = catalog->find(e.rule->zone);
        }
        if (e.list_zone != nullptr && e.list.empty()) {
            e.list = e.list_zone->name;
        }
    }

    // Templates: {ip} {list} {code} {reply} {recipient} {remote} {date} {delist} {provider}
    // {postmaster} {status}.
    std::string zone_delist;
    if (e.list_zone != nullptr && !e.list_zone->delist_url.empty()) {
        zone_delist = e.list_zone->delist_url;
        const auto subject = e.sending_ip.empty() ? std::string("") : e.sending_ip;
        replace_all(zone_delist, "{ip}", subject);
        replace_all(zone_delist, "{subject}", subject);
        replace_all(zone_delist, "{domain}", subject);
    }
    const auto fill = [&](std::string s) {
        replace_all(s, "{ip}", e.sending_ip.empty() ? "<sending IP>" : e.sending_ip);
        replace_all(s, "{list}", e.list.empty() ? "the list" : e.list);
        replace_all(s, "{code}", e.provider_code);
        replace_all(s, "{status}", e.enhanced_code);
        replace_all(s, "{recipient}", rj.recipient.empty() ? "<recipient>" : rj.recipient);
        replace_all(s, "{remote}", rj.remote_host.empty() ? rj.remote_ip : rj.remote_host);
        replace_all(s, "{date}", rj.time.empty() ? "<date of the bounce>" : rj.time);
        replace_all(s, "{delist}", zone_delist.empty() ? "the list's removal page" : zone_delist);
        replace_all(s, "{provider}", e.provider != nullptr ? e.provider->name : "the receiver");
        replace_all(s, "{postmaster}", e.provider != nullptr ? e.provider->postmaster : "");
        replace_all(s, "{reply}", rj.reply);
        return s;
    };
    if (e.rule != nullptr) {
        e.cause = fill(e.rule->cause);
        for (const auto& s : e.rule->steps) {
            e.steps.push_back(fill(s));
        }
        e.delist = fill(e.rule->delist);
        e.avoid = fill(e.rule->avoid);
        e.request = fill(e.rule->request);
    }
    if (e.delist.empty()) {
        e.delist = zone_delist;
    }
    if (e.provider != nullptr) {
        for (const auto& q : e.provider->requirements) {
            const bool by_code =
                !e.enhanced_code.empty() &&
                std::find(q.codes.begin(), q.codes.end(), e.enhanced_code) != q.codes.end();
            const bool by_rule = e.rule != nullptr && std::find(e.rule->requirements.begin(),
                                                                e.rule->requirements.end(),
                                                                q.id) != e.rule->requirements.end();
            if (by_code || by_rule) {
                e.requirements.push_back(&q);
            }
        }
    }
    if (e.rule != nullptr && e.rule->severity >= 0) {
        e.exit_code = e.rule->severity;
    } else {
        // Unexplained or default: a permanent refusal is critical, a deferral a warning;
        // an unexplained one is never worse than a warning (we cannot tell it matters).
        e.exit_code = e.temporary || e.rule == nullptr ? 1 : 2;
    }
    return e;
}

} // namespace rblscope
