// [[notify]] tables: where serve sends its change notifications, checked when the file is
// read so that a typo is found at start, not at the first listing.

#include "core/notify_config.hpp"

#include "core/sanitize.hpp"
#include "core/toml_reader.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <set>

namespace rblscope {

namespace {

constexpr std::array<std::pair<std::string_view, NotifierConfig::Type>, 5> k_types{{
    {"webhook", NotifierConfig::Type::webhook},
    {"slack", NotifierConfig::Type::slack},
    {"mattermost", NotifierConfig::Type::mattermost},
    {"teams", NotifierConfig::Type::teams},
    {"email", NotifierConfig::Type::email},
}};

std::string where(const std::string& path, const toml::source_region& r) {
    return fmt::format("{}:{}:{}", path, r.begin.line, r.begin.column);
}

bool valid_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
    });
}

/// A mailbox as SMTP and a header carry it: no spaces, brackets or line breaks, one '@'.
bool valid_mailbox(std::string_view a) {
    const auto at = a.find('@');
    return at != std::string_view::npos && at > 0 && at + 1 < a.size() &&
           a.find('@', at + 1) == std::string_view::npos && a.size() <= 254 &&
           std::none_of(a.begin(), a.end(), [](char c) {
               return static_cast<unsigned char>(c) <= ' ' || c == '<' || c == '>' || c == ',' ||
                      c == '"' || c == '\x7f';
           });
}

/// The host of "scheme://[user@]host[:port]/...", lower case.
std::string url_host(std::string_view url) {
    const auto s = url.find("://");
    if (s == std::string_view::npos) {
        return {};
    }
    url.remove_prefix(s + 3);
    url = url.substr(0, url.find_first_of("/?#"));
    if (const auto at = url.rfind('@'); at != std::string_view::npos) {
        url.remove_prefix(at + 1);
    }
    if (url.starts_with("[")) {
        return std::string(url.substr(1, url.find(']') - 1));
    }
    return std::string(url.substr(0, url.find(':')));
}

bool loopback_host(const std::string& host) {
    return host == "localhost" || host == "::1" || host.starts_with("127.");
}

bool has_control(std::string_view text) {
    return std::any_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) < ' ' || c == '\x7f';
    });
}

struct TableReader {
    const toml::table& table;
    const std::string& path;
    std::string label; ///< "notify[2]", for messages

    [[nodiscard]] std::optional<Error> text(const char* key, std::string& out) const {
        const auto* node = table.get(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        const auto* s = node->as_string();
        if (s == nullptr || s->get().empty()) {
            return Error{fmt::format("{}.{} must be a non-empty string", label, key),
                         where(path, node->source())};
        }
        // Values may be secrets: only their shape is checked, never quoted.
        if (has_control(s->get())) {
            return Error{fmt::format("{}.{} holds a control character", label, key),
                         where(path, node->source())};
        }
        out = s->get();
        return std::nullopt;
    }

    [[nodiscard]] std::optional<Error> list(const char* key, std::vector<std::string>& out) const {
        const auto* node = table.get(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        if (const auto* s = node->as_string()) {
            if (has_control(s->get())) {
                return Error{fmt::format("{}.{} holds a control character", label, key),
                             where(path, node->source())};
            }
            out = {s->get()};
            return std::nullopt;
        }
        const auto* a = node->as_array();
        const auto bad =
            Error{fmt::format("{}.{} must be a string or an array of strings", label, key),
                  where(path, node->source())};
        if (a == nullptr) {
            return bad;
        }
        for (const auto& v : *a) {
            const auto* s = v.as_string();
            if (s == nullptr || s->get().empty()) {
                return bad;
            }
            if (has_control(s->get())) {
                return Error{fmt::format("{}.{} holds a control character", label, key),
                             where(path, v.source())};
            }
            out.push_back(s->get());
        }
        return std::nullopt;
    }

    [[nodiscard]] std::optional<Error> number(const char* key, int low, int high, int& out) const {
        const auto* node = table.get(key);
        if (node == nullptr) {
            return std::nullopt;
        }
        const auto* i = node->as_integer();
        if (i == nullptr || i->get() < low || i->get() > high) {
            return Error{
                fmt::format("{}.{} must be an integer from {} to {}", label, key, low, high),
                where(path, node->source())};
        }
        out = static_cast<int>(i->get());
        return std::nullopt;
    }
};

Result<NotifierConfig> read_one(const toml::table& t, const std::string& path, std::size_t n) {
    NotifierConfig c;
    c.where = where(path, t.source());
    const TableReader r{t, path, fmt::format("notify[{}]", n)};
    static const std::set<std::string_view> known{"type",
                                                  "name",
                                                  "url",
                                                  "url_env",
                                                  "smtp_url",
                                                  "starttls",
                                                  "user",
                                                  "password",
                                                  "password_env",
                                                  "from",
                                                  "to",
                                                  "min_severity",
                                                  "zones",
                                                  "targets",
                                                  "burst",
                                                  "per_hour"};
    for (const auto& [key, v] : t) {
        if (!known.contains(key.str())) {
            return Error{fmt::format("unknown key '{}' in {} (expected type, name, url, url_env, "
                                     "smtp_url, starttls, user, password, password_env, from, "
                                     "to, min_severity, zones, targets, burst, per_hour)",
                                     sanitize_text(key.str(), 80),
                                     r.label),
                         where(path, key.source())};
        }
    }
    std::string type;
    if (auto e = r.text("type", type)) {
        return *e;
    }
    const auto parsed = toml_read::from_name(k_types, type);
    if (!parsed) {
        return Error{
            fmt::format("{}.type must be one of {}", r.label, toml_read::names_of(k_types)),
            c.where};
    }
    c.type = *parsed;
    for (const auto& [key, out] : {std::pair{"name", &c.name},
                                   std::pair{"url", &c.url},
                                   std::pair{"url_env", &c.url_env},
                                   std::pair{"smtp_url", &c.smtp_url},
                                   std::pair{"user", &c.user},
                                   std::pair{"password", &c.password},
                                   std::pair{"password_env", &c.password_env},
                                   std::pair{"from", &c.from},
                                   std::pair{"min_severity", &c.min_severity}}) {
        if (auto e = r.text(key, *out)) {
            return *e;
        }
    }
    for (const auto& [key, out] :
         {std::pair{"to", &c.to}, std::pair{"zones", &c.zones}, std::pair{"targets", &c.targets}}) {
        if (auto e = r.list(key, *out)) {
            return *e;
        }
    }
    if (auto e = r.number("burst", 1, 1000, c.burst)) {
        return *e;
    }
    if (auto e = r.number("per_hour", 1, 100000, c.per_hour)) {
        return *e;
    }
    if (const auto* s = t.get("starttls")) {
        const auto* b = s->as_boolean();
        if (b == nullptr) {
            return Error{r.label + ".starttls must be true or false", where(path, s->source())};
        }
        c.starttls = b->get();
    }
    if (c.name.empty()) {
        c.name = std::string(to_string(c.type));
    } else if (!valid_name(c.name)) {
        return Error{r.label + ".name may hold only letters, digits, '-', '_' and '.'", c.where};
    }
    if (c.min_severity != "critical" && c.min_severity != "warning" && c.min_severity != "info") {
        return Error{r.label + ".min_severity must be \"critical\", \"warning\" or \"info\"",
                     c.where};
    }
    const auto only_for = [&](bool email,
                              std::initializer_list<const char*> keys) -> std::optional<Error> {
        for (const char* k : keys) {
            if (t.contains(k)) {
                return Error{fmt::format("{}.{} is for {} only",
                                         r.label,
                                         k,
                                         email ? "type = \"email\"" : "webhooks"),
                             c.where};
            }
        }
        return std::nullopt;
    };
    if (c.type == NotifierConfig::Type::email) {
        if (auto e = only_for(false, {"url", "url_env"})) {
            return *e;
        }
        if (!c.smtp_url.starts_with("smtp://") && !c.smtp_url.starts_with("smtps://")) {
            return Error{r.label + ".smtp_url must be smtp://HOST[:PORT] (STARTTLS) or "
                                   "smtps://HOST[:PORT]",
                         c.where};
        }
        if (!valid_mailbox(c.from)) {
            return Error{r.label + ".from must be one address such as rblscope@example.com",
                         c.where};
        }
        if (c.to.empty()) {
            return Error{r.label + ".to must name at least one address", c.where};
        }
        for (const auto& a : c.to) {
            if (!valid_mailbox(a)) {
                return Error{fmt::format("{}.to: '{}' is not one address such as "
                                         "admin@example.com",
                                         r.label,
                                         sanitize_text(a, 80)),
                             c.where};
            }
        }
        if (!c.password.empty() && !c.password_env.empty()) {
            return Error{r.label + ": give password or password_env, not both", c.where};
        }
        if ((!c.password.empty() || !c.password_env.empty()) && c.user.empty()) {
            return Error{r.label + ": a password needs a user", c.where};
        }
        if (!c.starttls && c.smtp_url.starts_with("smtp://") && !c.user.empty() &&
            !loopback_host(url_host(c.smtp_url))) {
            return Error{r.label + ": starttls = false would send the password in clear text "
                                   "to another host; use STARTTLS or smtps://",
                         c.where};
        }
    } else {
        if (auto e = only_for(
                true, {"smtp_url", "starttls", "user", "password", "password_env", "from", "to"})) {
            return *e;
        }
        if (c.url.empty() == c.url_env.empty()) {
            return Error{r.label + ": give the webhook's url or url_env (one of them)", c.where};
        }
        if (!c.url.empty() && !c.url.starts_with("https://") && !c.url.starts_with("http://")) {
            return Error{r.label + ".url must be an http:// or https:// URL", c.where};
        }
    }
    return c;
}

} // namespace

std::string_view to_string(NotifierConfig::Type type) noexcept {
    return toml_read::to_name(k_types, type);
}

Result<std::vector<NotifierConfig>> read_notifiers(const toml::node& node,
                                                   const std::string& path) {
    const auto* array = node.as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
        return Error{"'notify' must be written as [[notify]] tables", where(path, node.source())};
    }
    std::vector<NotifierConfig> out;
    std::set<std::string> names;
    for (std::size_t i = 0; i < array->size(); ++i) {
        auto c = read_one(*array->get(i)->as_table(), path, i + 1);
        if (!c) {
            return c.error();
        }
        out.push_back(std::move(*c));
    }
    // Unnamed notifiers of one type are told apart by number ("email", "email-2").
    std::map<std::string, int> seen;
    for (auto& c : out) {
        if (++seen[c.name] > 1) {
            if (c.name != to_string(c.type)) {
                return Error{fmt::format("two [[notify]] tables are named '{}'", c.name), c.where};
            }
            c.name += fmt::format("-{}", seen[c.name]);
        }
        if (!names.insert(c.name).second) {
            return Error{fmt::format("two [[notify]] tables are named '{}'", c.name), c.where};
        }
    }
    return out;
}

} // namespace rblscope
