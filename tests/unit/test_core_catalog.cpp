#include "core/catalog_document.hpp"
#include "rblscope/catalog.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <set>

using namespace rblscope;

TEST_SUITE_BEGIN("core");

namespace {

std::string error_of(const std::string& toml) {
    auto r = parse_catalog(toml, "t.toml");
    return r ? std::string("(loaded)") : r.error().to_string();
}

const char* k_zone = "[[zone]]\nid = \"a\"\nzone = \"a.test\"\nkind = \"ip4\"\n";

} // namespace

TEST_CASE("catalog::load_catalog shipped lists.toml") {
    auto cat = load_catalog(RBLSCOPE_CATALOG_FILE);
    REQUIRE_MESSAGE(cat, (cat ? "" : cat.error().to_string()));
    CHECK(cat->zones.size() >= 250);
    std::set<std::string> zones;
    for (const auto& z : cat->zones) {
        CAPTURE(z.id);
        CHECK(zones.insert(z.zone).second);
        // Dead lists stay in the catalog, but never on by default.
        if (z.status == ZoneStatus::defunct || z.status == ZoneStatus::lists_everything) {
            CHECK_FALSE(z.enabled_by_default);
        }
        if (z.enabled_by_default) {
            CHECK(z.key_env.empty());
        }
    }
    const Zone* zen = cat->find("zen.spamhaus.org");
    REQUIRE(zen);
    CHECK(zen->enabled_by_default);
    CHECK(zen->kind == ZoneKind::both);
    CHECK(zen->access == Access::blocks_public_resolvers);
    // Spamhaus error codes come from the operator block.
    bool has_254 = false;
    for (const auto& c : zen->codes) {
        has_254 |= c.matches(0x7ffffffeu) && c.severity == Severity::error;
    }
    CHECK(has_254);
    const Zone* ahbl = cat->find("dnsbl.ahbl.org");
    REQUIRE(ahbl);
    CHECK(ahbl->status == ZoneStatus::lists_everything);
    CHECK(cat->find("spamhaus-pbl")->codes.front().severity == Severity::warning);
    CHECK(cat->find("dnswl")->role == ZoneRole::allow);
    CHECK_FALSE(cat->find("hostkarma")->test_unlisted.has_value()); // 127.0.0.1 is its white code
}

TEST_CASE("catalog::parse_catalog defaults") {
    auto cat = parse_catalog(k_zone, "t.toml");
    REQUIRE(cat);
    const auto& z = cat->zones.front();
    CHECK(z.test_listed->subject == "127.0.0.2");
    CHECK(z.test_unlisted->subject == "127.0.0.1");
    CHECK(z.where == "t.toml:1");
    auto d = parse_catalog(
        "[[zone]]\nid = \"d\"\nzone = \"d.test\"\nkind = \"domain\"\ntest_listed = \"\"\n", "t");
    REQUIRE(d);
    CHECK_FALSE(d->zones.front().test_listed);
    CHECK(d->zones.front().test_unlisted->subject == "invalid");
    CHECK_FALSE(z.test_listed6); // only "both" zones have separate IPv6 points
}

TEST_CASE("catalog::parse_catalog IPv6 test points of zones of kind both") {
    const std::string both = "[[zone]]\nid = \"b\"\nzone = \"b.test\"\nkind = \"both\"\n";
    auto cat = parse_catalog(both, "t.toml");
    REQUIRE(cat);
    CHECK(cat->zones.front().test_listed->subject == "127.0.0.2");
    CHECK(cat->zones.front().test_listed6->subject == "::ffff:7f00:2");
    CHECK(cat->zones.front().test_unlisted6->subject == "::ffff:7f00:1");
    // No IPv4 test entry: no IPv6 one either, unless stated.
    auto none = parse_catalog(both + "test_listed = \"\"\n", "t.toml");
    REQUIRE(none);
    CHECK_FALSE(none->zones.front().test_listed6);
    CHECK(none->zones.front().test_unlisted6->subject == "::ffff:7f00:1");
    auto own = parse_catalog(both + "test_listed6 = \"2001:db8::2\"\n", "t.toml");
    REQUIRE(own);
    CHECK(own->zones.front().test_listed6->subject == "2001:db8::2");
    CHECK(error_of(both + "test_listed6 = \"127.0.0.2\"\n") ==
          "t.toml:5:16: zone \"b\": test_listed6 \"127.0.0.2\" is not an IPv6 address");
    CHECK(error_of(std::string(k_zone) + "test_listed6 = \"::ffff:7f00:2\"\n") ==
          "t.toml:5:16: zone \"a\": test_listed6 applies only to zones of kind \"both\"");
}

TEST_CASE("catalog::parse_catalog HTTP sources") {
    const std::string http = "[[zone]]\nid = \"h\"\nzone = \"api.example.test\"\nkind = "
                             "\"http\"\nadapter = \"abuseipdb\"\n";
    auto cat =
        parse_catalog(http + "url = \"https://api.example.test/v2\"\nkey_env = \"K\"\n", "t");
    REQUIRE_MESSAGE(cat, (cat ? "" : cat.error().to_string()));
    const auto& z = cat->zones.front();
    CHECK(z.adapter == "abuseipdb");
    CHECK(z.url == "https://api.example.test/v2");
    CHECK(z.key_env == "K"); // a header key: no {key} in the zone name needed
    CHECK_FALSE(z.test_listed);
    CHECK(z.takes(IpAddress::Family::v4));
    CHECK(z.takes(IpAddress::Family::v6));
    CHECK(error_of(http + "url = \"ftp://x\"\n") ==
          "t.toml:6:7: zone \"h\": 'url' must be an http(s) URL without spaces, quotes or "
          "placeholders");
    CHECK(error_of("[[zone]]\nid = \"h\"\nzone = \"a.test\"\nkind = \"http\"\nadapter = "
                   "\"nope\"\nurl = \"https://a.test\"\n") ==
          "t.toml:5:11: zone \"h\": unknown adapter \"nope\" (expected one of: abuseipdb, "
          "google-postmaster, google-postmaster-compliance, ripestat-abuse-contact, "
          "ripestat-blocklist, ripestat-network, "
          "snds-data, "
          "snds-ipstatus, spamhaus-asndrop, spamhaus-drop, stopforumspam)");
    CHECK(error_of("[[zone]]\nid = \"h\"\nzone = \"a.test\"\nkind = \"http\"\nadapter = "
                   "\"spamhaus-asndrop\"\nurl = \"https://a.test\"\n") ==
          "t.toml:1:1: zone \"h\": adapter spamhaus-asndrop needs 'aux_url' (the RIPEstat base "
          "URL, for the origin AS)");
    CHECK(error_of(std::string(k_zone) + "adapter = \"abuseipdb\"\n") ==
          "t.toml:1:1: zone \"a\": 'adapter', 'url', 'rate', 'subject' and 'params' apply only "
          "to kind \"http\"");
}

TEST_CASE("catalog::parse_catalog: domain HTTP sources and their figures") {
    const std::string google = "[[zone]]\nid = \"g\"\nzone = \"g.test\"\nkind = \"http\"\n"
                               "adapter = \"google-postmaster\"\nurl = \"https://g.test\"\n"
                               "aux_url = \"https://g.test/token\"\n";
    auto cat = parse_catalog(google + "subject = \"domain\"\nparams = { spam_rate_warning = "
                                      "0.001, spam_rate_critical = 0.003, days = 7 }\n",
                             "t");
    REQUIRE_MESSAGE(cat, (cat ? "" : cat.error().to_string()));
    const auto& z = cat->zones.front();
    CHECK(z.takes_domain());
    CHECK_FALSE(z.takes_ip());
    CHECK_FALSE(z.takes(IpAddress::Family::v4));
    CHECK(z.param("days") == 7);
    CHECK(z.param("spam_rate_critical") == 0.003);
    CHECK_FALSE(z.param("nope"));
    CHECK(error_of(google + "subject = \"domain\"\nparams = { spam_rate_warning = 0.001, "
                            "spam_rate_critical = 0.003 }\n") ==
          "t.toml:9:10: zone \"g\": adapter google-postmaster needs params.days");
    CHECK(error_of(google + "subject = \"domain\"\nparams = { days = \"7\" }\n")
              .starts_with("t.toml:9:19: zone \"g\": params.days must be a number"));
    CHECK(error_of(google + "subject = \"domain\"\nparams = { spam_rate_warning = 0.3, "
                            "spam_rate_critical = 0.1, days = 7 }\n")
              .find("0 < spam_rate_warning <= spam_rate_critical <= 1") != std::string::npos);
    CHECK(error_of(google + "subject = \"host\"\n") ==
          "t.toml:8:11: zone \"g\": 'subject' must be \"ip\" or \"domain\"");
}

TEST_CASE("catalog::parse_catalog replaces") {
    const std::string keyed = "[[zone]]\nid = \"k\"\nzone = \"{key}.k.test\"\nkind = \"ip4\"\n"
                              "key_env = \"K\"\n";
    CHECK(error_of(std::string(k_zone) + keyed + "replaces = \"a\"\n") == "(loaded)");
    CHECK(error_of(std::string(k_zone) + keyed + "replaces = \"nope\"\n") ==
          "t.toml:5: zone \"k\": 'replaces' names no zone of the catalog (\"nope\")");
    CHECK(error_of(std::string(k_zone) + "replaces = \"a\"\n") ==
          "t.toml:5:12: zone \"a\": 'replaces' needs a key_env (it applies when the key is set)");
}

TEST_CASE("catalog::parse_catalog errors name file, line and column") {
    CHECK(error_of("[[zone]]\nid = \"a\"\nzone = \"a.test\"\nkind = \"ipv4\"\n") ==
          "t.toml:4:8: zone \"a\": unknown kind \"ipv4\" (expected one of: ip4, ip6, both, domain, "
          "hash, http)");
    CHECK(error_of(std::string(k_zone) + "status = \"dead\"\n") ==
          "t.toml:5:10: zone \"a\": unknown status \"dead\" (expected one of: active, unverified, "
          "key-required, "
          "defunct, lists-everything)");
    CHECK(error_of(std::string(k_zone) + "stauts = \"active\"\n") ==
          "t.toml:5:10: zone \"a\": unknown key 'stauts'");
    CHECK(error_of("[[zone]]\nid = \"a\"\nzone = \"bad zone\"\nkind = \"ip4\"\n") ==
          "t.toml:3:8: zone \"a\": \"bad zone\" is not a valid DNS zone name");
    CHECK(error_of("[[zone]]\nid = \"a\\u001b[2Jb\"\nzone = \"a.test\"\nkind = \"ip4\"\n") ==
          "t.toml:1:1: zone: id \"a[2Jb\" must be lowercase letters, digits, '-', '.' or '_' "
          "(at most 64)");
    CHECK(error_of(std::string(k_zone) + "delist = \"javascript:alert(1)\"\n") ==
          "t.toml:5:10: zone \"a\": delist URL must be http(s) without spaces or quotes");
    CHECK(error_of(std::string(k_zone) + "codes = [ { code = \"127.0.0.300\" } ]\n") ==
          "t.toml:5:20: zone \"a\": code \"127.0.0.300\" is not an IPv4 address");
    CHECK(error_of(std::string(k_zone) + "codes = [ { code = \"127.0.*.300\" } ]\n") ==
          "t.toml:5:20: zone \"a\": code \"127.0.*.300\" is not a pattern of four octets, each "
          "a number or * (like \"127.0.*.255\")");
    CHECK(error_of(std::string(k_zone) + "codes = [ { code = \"127.*.1\" } ]\n")
              .find("is not a pattern of four octets") != std::string::npos);
    CHECK(error_of(std::string(k_zone) + "status = \"defunct\"\ndefault = true\n") ==
          "t.toml:6:11: zone \"a\": a defunct zone cannot be on by default");
    CHECK(error_of(std::string(k_zone) + k_zone) == "t.toml:5:1: zone \"a\": id used twice");
    CHECK(error_of("[[zone]]\nid = \"a\"\nzone = \"a.test\"\n") ==
          "t.toml:1:1: zone \"a\": missing 'kind' (ip4, ip6, both, domain, hash, http)");
    CHECK(error_of("[[zone]]\nid = \"a\"\nzone = \"{key}.a.test\"\nkind = \"ip4\"\n") ==
          "t.toml:1:1: zone \"a\": a zone with {key} needs 'key_env' and the other way round");
    CHECK(error_of("zone = [").starts_with("t.toml:1:"));
    CHECK(error_of("") == "t.toml: the catalog has no [[zone]] entries");
}

TEST_CASE("catalog: override files merge by id and keep their own positions") {
    const std::string shipped = "[resolvers]\npublic = [\"192.0.2.53\"]\n"
                                "[[zone]]\nid = \"a\"\nzone = \"a.test\"\nkind = \"ip4\"\n"
                                "status = \"active\"\ndefault = true\n"
                                "[[rejection]]\nid = \"r1\"\n";
    const std::string local = "[[zone]]\nid = \"a\"\nserver = \"127.0.0.1:5353\"\n"
                              "[[zone]]\nid = \"b\"\nzone = \"b.test\"\nkind = \"ip4\"\n"
                              "[[rejection]]\nid = \"r2\"\n"
                              "[resolvers]\npublic = [\"192.0.2.54\"]\n";
    auto doc = rblscope::merge_catalog_texts({{shipped, "lists.toml"}, {local, "local.toml"}});
    REQUIRE(doc.ok());
    const auto& root = doc.value();
    // A new rejection rule goes first: local knowledge wins over the shipped rules.
    const auto* rules = root.get_as<toml::array>("rejection");
    REQUIRE(rules != nullptr);
    CHECK(rules->get(0)->as_table()->get_as<std::string>("id")->get() == "r2");
    CHECK(rules->get(1)->as_table()->get_as<std::string>("id")->get() == "r1");
    // Tables merge key by key; a value replaces.
    CHECK(root["resolvers"]["public"][0].value<std::string>() == "192.0.2.54");

    auto cat = rblscope::parse_catalog_document(root, "lists.toml");
    REQUIRE_MESSAGE(cat.ok(), (cat.ok() ? "" : cat.error().to_string()));
    REQUIRE(cat->zones.size() == 2);
    const auto& a = cat->zones[0];
    CHECK(a.id == "a");
    CHECK(a.server == "127.0.0.1:5353");
    CHECK(a.where == "lists.toml:3");
    const auto origin = [&](const std::string& key) {
        for (const auto& [k, where] : a.origins) {
            if (k == key) {
                return where;
            }
        }
        return std::string("-");
    };
    CHECK(origin("server") == "local.toml:3");
    CHECK(origin("kind") == "lists.toml:6");
    CHECK(cat->zones[1].where == "local.toml:4");

    // Errors point into the file the bad line is in.
    auto bad = rblscope::merge_catalog_texts(
        {{shipped, "lists.toml"}, {"[[zone]]\nid = \"a\"\nkind = \"ip5\"\n", "typo.toml"}});
    REQUIRE(bad.ok());
    const auto broken = rblscope::parse_catalog_document(bad.value(), "lists.toml");
    REQUIRE(!broken.ok());
    CHECK(broken.error().to_string().starts_with("typo.toml:3:8: zone \"a\": unknown kind"));
}

TEST_CASE("catalog::CodeRule::matches") {
    CodeRule exact{CodeRule::Match::exact, 0x7f000002u, 32, "", Severity::critical};
    CHECK(exact.matches(0x7f000002u));
    CHECK_FALSE(exact.matches(0x7f000003u));
    CodeRule cidr{CodeRule::Match::cidr, 0x7f000a00u, 24, "", Severity::allow};
    CHECK(cidr.matches(0x7f000a03u));
    CHECK_FALSE(cidr.matches(0x7f000b03u));
    CodeRule bit{CodeRule::Match::bitmask, 8, 0, "", Severity::critical};
    CHECK(bit.matches(0x7f000058u)); // .88 = 64 + 16 + 8
    CHECK_FALSE(bit.matches(0x7f000050u));
    CodeRule pattern{CodeRule::Match::pattern, 0x7f0000ffu, 32, "", Severity::error, 0xffff00ffu};
    CHECK(pattern.matches(0x7f0003ffu)); // 127.0.*.255
    CHECK_FALSE(pattern.matches(0x7f0003feu));
    CHECK_FALSE(pattern.matches(0x7f0103ffu));
}

TEST_CASE("find_catalog_file: --catalog, then $RBLSCOPE_CATALOG, then the shipped file") {
    const char* saved = std::getenv("RBLSCOPE_CATALOG");
    const std::string kept = saved != nullptr ? saved : "";
    ::unsetenv("RBLSCOPE_CATALOG");
    CHECK(find_catalog_file("mine.toml", {}).value() == "mine.toml");

    // A binary still in its build tree uses the source tree's file.
    const auto here = std::filesystem::read_symlink("/proc/self/exe").parent_path().string();
    const CatalogPlaces in_build{here, RBLSCOPE_CATALOG_FILE, "/nonexistent/lists.toml"};
    CHECK(find_catalog_file("", in_build).value() ==
          std::filesystem::path(RBLSCOPE_CATALOG_FILE).lexically_normal().string());

    const auto none =
        find_catalog_file("", {"/elsewhere", "/nonexistent/a.toml", "/nonexistent/b.toml"});
    REQUIRE_FALSE(none);
    CHECK(none.error().message.find("use --catalog FILE or RBLSCOPE_CATALOG") != std::string::npos);

    ::setenv("RBLSCOPE_CATALOG", "/from/env.toml", 1);
    CHECK(find_catalog_file("", in_build).value() == "/from/env.toml");
    CHECK(find_catalog_file("mine.toml", in_build).value() == "mine.toml");
    if (saved != nullptr) {
        ::setenv("RBLSCOPE_CATALOG", kept.c_str(), 1);
    } else {
        ::unsetenv("RBLSCOPE_CATALOG");
    }
}

TEST_SUITE_END();
