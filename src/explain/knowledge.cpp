// Loads [[provider]] and [[rejection]] from lists.toml and compiles their patterns.

#include "core/catalog_document.hpp"
#include "core/files.hpp"
#include "core/text.hpp"
#include "core/toml_reader.hpp"
#include "explain/knowledge_impl.hpp"

#include <algorithm>
#include <array>
#include <fmt/ranges.h>
#include <fstream>
#include <set>
#include <sstream>

namespace rblscope {

namespace {

using toml_read::Reader;

constexpr std::array<std::pair<std::string_view, RejectCategory>, 14> k_categories{{
    {"public-blocklist", RejectCategory::public_blocklist},
    {"provider-blocklist", RejectCategory::provider_blocklist},
    {"throttling", RejectCategory::throttling},
    {"authentication", RejectCategory::authentication},
    {"reverse-dns", RejectCategory::reverse_dns},
    {"rate-limit", RejectCategory::rate_limit},
    {"content", RejectCategory::content},
    {"policy", RejectCategory::policy},
    {"sender", RejectCategory::sender},
    {"recipient", RejectCategory::recipient},
    {"size-quota", RejectCategory::size_quota},
    {"network", RejectCategory::network},
    {"not-a-rejection", RejectCategory::not_a_rejection},
    {"unknown", RejectCategory::unknown},
}};
constexpr std::array<std::pair<std::string_view, int>, 3> k_rule_severities{{
    {"ok", 0},
    {"warning", 1},
    {"critical", 2},
}};

RE2::Options pattern_options() {
    RE2::Options o;
    o.set_case_sensitive(false);
    o.set_log_errors(false);
    return o;
}

/// Enhanced status codes look like 5.7.606: class 2, 4 or 5, then 1-3 digits twice.
bool valid_status(std::string_view s) {
    int parts = 0;
    std::size_t digits = 0;
    for (const char c : s) {
        if (c == '.') {
            if (digits == 0) {
                return false;
            }
            ++parts;
            digits = 0;
        } else if (c >= '0' && c <= '9' && digits < 3) {
            ++digits;
        } else {
            return false;
        }
    }
    return parts == 2 && digits > 0 && (s[0] == '2' || s[0] == '4' || s[0] == '5');
}

const toml::array* table_array(Reader& r, const toml::table& root, std::string_view key) {
    const auto* node = root.get(key);
    if (node == nullptr) {
        return nullptr;
    }
    const auto* arr = node->as_array();
    if (arr == nullptr) {
        r.fail(*node, fmt::format("'{}' must be an array of tables ([[{}]])", key, key));
    }
    return arr;
}

// What vet can judge a requirement by (vet/sender_checklist.cpp).
constexpr std::array<std::string_view, 8> k_requirement_checks{
    "", "ptr", "spf", "dkim", "dmarc", "alignment", "tls", "spam-rate"};

/// A provider's `[[provider.requirement]]` tables.
std::vector<SenderRequirement>
read_requirements(Reader& r, const toml::table& provider, const std::string& where) {
    std::vector<SenderRequirement> out;
    const auto* arr = table_array(r, provider, "requirement");
    if (arr == nullptr) {
        return out;
    }
    for (const auto& el : *arr) {
        const auto* t = el.as_table();
        if (t == nullptr) {
            r.fail(el, fmt::format("{}: each requirement must be a table", where));
            continue;
        }
        const auto what = where + " requirement";
        r.only_keys(*t, {"id", "rule", "applies", "check", "compliance", "url", "codes"}, what);
        SenderRequirement q;
        q.id = r.string(*t, "id", what).value_or("");
        q.rule = r.string(*t, "rule", what).value_or("");
        q.applies = r.string(*t, "applies", what).value_or("all");
        q.check = r.string(*t, "check", what).value_or("");
        q.compliance = r.string(*t, "compliance", what).value_or("");
        q.url = r.string(*t, "url", what).value_or("");
        q.codes = r.strings(*t, "codes", what);
        if (q.id.empty() || q.rule.empty()) {
            r.fail(el, fmt::format("{}: a requirement needs 'id' and 'rule'", where));
        }
        if (q.applies != "all" && q.applies != "bulk") {
            r.fail(*t->get("applies"), fmt::format("{}: 'applies' must be all or bulk", what));
        }
        if (std::find(k_requirement_checks.begin(), k_requirement_checks.end(), q.check) ==
            k_requirement_checks.end()) {
            r.fail(
                *t->get("check"),
                fmt::format(
                    "{}: unknown check \"{}\" (expected one of: {})",
                    what,
                    q.check,
                    fmt::join(k_requirement_checks.begin() + 1, k_requirement_checks.end(), ", ")));
        }
        out.push_back(std::move(q));
    }
    return out;
}

} // namespace

std::string_view to_string(RejectCategory c) noexcept {
    return toml_read::to_name(k_categories, c);
}

long BounceKnowledge::Impl::first_rule_match(std::string_view reply) const {
    if (!rule_set) {
        return -1;
    }
    std::vector<int> hits;
    if (!rule_set->Match(reply, &hits) || hits.empty()) {
        return -1;
    }
    return *std::min_element(hits.begin(), hits.end());
}

const MailProvider* BounceKnowledge::Impl::provider_by_signature(std::string_view reply) const {
    if (!signature_set) {
        return nullptr;
    }
    std::vector<int> hits;
    if (!signature_set->Match(reply, &hits) || hits.empty()) {
        return nullptr;
    }
    const auto first = *std::min_element(hits.begin(), hits.end());
    return &providers[signature_provider[static_cast<std::size_t>(first)]];
}

BounceKnowledge::BounceKnowledge() : m_impl(std::make_unique<Impl>()) {}
BounceKnowledge::~BounceKnowledge() = default;
BounceKnowledge::BounceKnowledge(BounceKnowledge&&) noexcept = default;
BounceKnowledge& BounceKnowledge::operator=(BounceKnowledge&&) noexcept = default;

const std::vector<MailProvider>& BounceKnowledge::providers() const noexcept {
    return m_impl->providers;
}
const std::vector<RejectionRule>& BounceKnowledge::rules() const noexcept {
    return m_impl->rules;
}
const MailProvider* BounceKnowledge::provider(std::string_view id) const noexcept {
    for (const auto& p : m_impl->providers) {
        if (p.id == id) {
            return &p;
        }
    }
    return nullptr;
}

Result<BounceKnowledge> parse_bounce_knowledge(std::string_view text,
                                               const std::string& source_name) {
    auto parsed = toml_read::parse(text, source_name);
    if (!parsed) {
        return parsed.error();
    }
    return parse_bounce_knowledge_document(parsed.value(), source_name);
}

Result<BounceKnowledge> load_bounce_knowledge(const Catalog& catalog) {
    auto doc = catalog_document_of(catalog);
    if (!doc) {
        return doc.error();
    }
    return parse_bounce_knowledge_document(doc.value()->root, catalog.source);
}

Result<BounceKnowledge> parse_bounce_knowledge_document(const toml::table& root,
                                                        const std::string& source_name) {
    Reader r(source_name);
    BounceKnowledge k;
    auto& impl = k.impl();
    impl.signature_set = std::make_unique<RE2::Set>(pattern_options(), RE2::UNANCHORED);
    impl.rule_set = std::make_unique<RE2::Set>(pattern_options(), RE2::UNANCHORED);

    // Adds one pattern to a set; RE2's own message names what is wrong with it.
    const auto add_pattern = [&](RE2::Set& set,
                                 const std::string& p,
                                 const toml::node& at,
                                 std::string_view what) {
        std::string err;
        if (set.Add(p, &err) < 0) {
            r.fail(at,
                   fmt::format("{}: pattern '{}' is not a valid RE2 expression: {}", what, p, err));
            return false;
        }
        return true;
    };
    const auto pattern_node =
        [](const toml::table& t, std::string_view key, std::size_t i) -> const toml::node& {
        const auto* arr = t.get(key)->as_array();
        return *arr->get(i);
    };

    std::set<std::string> provider_ids;
    if (const auto* arr = table_array(r, root, "provider")) {
        for (const auto& el : *arr) {
            const auto* t = el.as_table();
            if (t == nullptr) {
                r.fail(el, "each [[provider]] must be a table");
                continue;
            }
            const std::string what = "[[provider]]";
            r.only_keys(*t,
                        {"id",
                         "name",
                         "hosts",
                         "signatures",
                         "domains",
                         "postmaster",
                         "checks",
                         "before_sending",
                         "sources",
                         "requirement"},
                        what);
            MailProvider p;
            p.id = r.string(*t, "id", what).value_or("");
            if (p.id.empty()) {
                r.fail(el, "[[provider]]: missing 'id'");
                continue;
            }
            if (!provider_ids.insert(p.id).second) {
                r.fail(*t->get("id"), fmt::format("[[provider]]: duplicate id \"{}\"", p.id));
            }
            const std::string where = fmt::format("provider {}", p.id);
            p.name = r.string(*t, "name", where).value_or(p.id);
            p.hosts = r.strings(*t, "hosts", where);
            for (auto& h : p.hosts) {
                h = ascii_lower(h);
            }
            p.signatures = r.strings(*t, "signatures", where);
            p.domains = r.strings(*t, "domains", where);
            p.postmaster = r.string(*t, "postmaster", where).value_or("");
            p.checks = r.string(*t, "checks", where).value_or("");
            p.before_sending = r.strings(*t, "before_sending", where);
            p.sources = r.strings(*t, "sources", where);
            p.requirements = read_requirements(r, *t, where);
            p.where = r.line_of(el);
            impl.providers.push_back(std::move(p));
        }
    }
    // Signatures refer to providers by index, so they are added once the vector is final.
    for (std::size_t i = 0; i < impl.providers.size(); ++i) {
        const auto& p = impl.providers[i];
        const auto* t = (*root.get("provider")->as_array())[i].as_table();
        for (std::size_t j = 0; j < p.signatures.size(); ++j) {
            if (add_pattern(*impl.signature_set,
                            p.signatures[j],
                            pattern_node(*t, "signatures", j),
                            "provider " + p.id)) {
                impl.signature_provider.push_back(i);
            }
        }
    }

    std::set<std::string> rule_ids;
    if (const auto* arr = table_array(r, root, "rejection")) {
        for (const auto& el : *arr) {
            const auto* t = el.as_table();
            if (t == nullptr) {
                r.fail(el, "each [[rejection]] must be a table");
                continue;
            }
            r.only_keys(*t,
                        {"id",
                         "category",
                         "provider",
                         "list",
                         "zone",
                         "patterns",
                         "statuses",
                         "actions",
                         "stages",
                         "requirements",
                         "cause",
                         "steps",
                         "delist",
                         "avoid",
                         "request",
                         "verified",
                         "severity"},
                        "[[rejection]]");
            RejectionRule rule;
            rule.id = r.string(*t, "id", "[[rejection]]").value_or("");
            if (rule.id.empty()) {
                r.fail(el, "[[rejection]]: missing 'id'");
                continue;
            }
            if (!rule_ids.insert(rule.id).second) {
                r.fail(*t->get("id"), fmt::format("[[rejection]]: duplicate id \"{}\"", rule.id));
            }
            const std::string what = fmt::format("rejection {}", rule.id);
            if (t->get("category") == nullptr) {
                r.fail(el,
                       fmt::format(
                           "{}: missing 'category' ({})", what, toml_read::names_of(k_categories)));
            }
            rule.category =
                r.choice(*t, "category", what, k_categories).value_or(RejectCategory::unknown);
            rule.provider = r.string(*t, "provider", what).value_or("");
            if (!rule.provider.empty() && !provider_ids.contains(rule.provider)) {
                r.fail(*t->get("provider"),
                       fmt::format("{}: unknown provider \"{}\"", what, rule.provider));
            }
            rule.list = r.string(*t, "list", what).value_or("");
            rule.zone = r.string(*t, "zone", what).value_or("");
            rule.patterns = r.strings(*t, "patterns", what);
            rule.statuses = r.strings(*t, "statuses", what);
            for (const auto& s : rule.statuses) {
                if (!valid_status(s)) {
                    r.fail(*t->get("statuses"),
                           fmt::format(
                               "{}: \"{}\" is not an enhanced status code like 5.7.1", what, s));
                }
            }
            rule.actions = r.strings(*t, "actions", what);
            for (const auto& a : rule.actions) {
                if (a != "feedback" && a != "auto-reply" && a != "delivered") {
                    r.fail(*t->get("actions"),
                           fmt::format("{}: action \"{}\" is not one of feedback, auto-reply, "
                                       "delivered",
                                       what,
                                       a));
                }
            }
            rule.stages = r.strings(*t, "stages", what);
            rule.requirements = r.strings(*t, "requirements", what);
            for (const auto& st : rule.stages) {
                if (st != "greeting" && st != "HELO" && st != "MAIL FROM" && st != "RCPT TO" &&
                    st != "DATA") {
                    r.fail(*t->get("stages"),
                           fmt::format("{}: stage \"{}\" is not one of greeting, HELO, MAIL FROM, "
                                       "RCPT TO, DATA",
                                       what,
                                       st));
                }
            }
            if (rule.patterns.empty() && rule.statuses.empty() && rule.actions.empty() &&
                rule.stages.empty()) {
                r.fail(
                    el,
                    fmt::format("{}: needs 'patterns', 'statuses', 'actions' or 'stages'", what));
            }
            rule.cause = r.string(*t, "cause", what).value_or("");
            rule.steps = r.strings(*t, "steps", what);
            rule.delist = r.string(*t, "delist", what).value_or("");
            if (!rule.delist.empty() && !rule.delist.starts_with("https://") &&
                !rule.delist.starts_with("http://") && !rule.delist.starts_with("mailto:")) {
                r.fail(*t->get("delist"),
                       fmt::format("{}: 'delist' must be an http(s):// or mailto: address", what));
            }
            rule.avoid = r.string(*t, "avoid", what).value_or("");
            rule.request = r.string(*t, "request", what).value_or("");
            rule.verified = r.boolean(*t, "verified", what).value_or(true);
            rule.severity = r.choice(*t, "severity", what, k_rule_severities).value_or(-1);
            rule.where = r.line_of(el);
            const auto index = impl.rules.size();
            for (std::size_t j = 0; j < rule.patterns.size(); ++j) {
                const auto& node = pattern_node(*t, "patterns", j);
                if (!add_pattern(*impl.rule_set, rule.patterns[j], node, what)) {
                    continue;
                }
                auto re = std::make_unique<RE2>(rule.patterns[j], pattern_options());
                impl.rule_patterns.emplace_back(index, std::move(re));
            }
            impl.rules.push_back(std::move(rule));
        }
    }
    if (r.failed()) {
        return r.error();
    }
    // RE2 refuses to match with an empty set, so an empty one is dropped.
    for (auto* set : {&impl.signature_set, &impl.rule_set}) {
        const bool empty = set == &impl.signature_set ? impl.signature_provider.empty()
                                                      : impl.rule_patterns.empty();
        if (empty) {
            set->reset();
        } else if (!(*set)->Compile()) {
            return Error{"the rejection patterns need more memory than RE2 allows", source_name};
        }
    }
    return k;
}

Result<BounceKnowledge> load_bounce_knowledge(const std::string& path) {
    const auto text = read_whole_file(path);
    if (!text) {
        return Error{"cannot read the catalog", path};
    }
    return parse_bounce_knowledge(*text, path);
}

} // namespace rblscope
