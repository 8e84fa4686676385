// Usage errors: one clear line on stderr and exit 3 (UNKNOWN), never a crash or a partial run.

#include "integration/fixtures.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

using namespace rblscope::test;

TEST_SUITE_BEGIN("integration");

TEST_CASE("cli: usage errors exit 3 with one line") {
    auto& f = fixture();
    const auto one_line = [](const RunResult& r) {
        return !r.err.empty() && r.err.find('\n') == r.err.size() - 1;
    };
    SUBCASE("unknown flag") {
        const auto r = run_rblscope({"check", "--bogus", "192.0.2.1"});
        CHECK(r.exit_code == 3);
        CHECK(one_line(r));
        CHECK(r.err.find("--bogus") != std::string::npos);
    }
    SUBCASE("bad resolver") {
        const auto r = run_rblscope(
            {"check", "--catalog", f.catalog, "--resolver", "dns.example", "192.0.2.1"});
        CHECK(r.exit_code == 3);
        CHECK(r.err == "rblscope: --resolver: \"dns.example\" is not an IP address (a resolver is "
                       "given as IP or "
                       "IP:PORT)\n");
        CHECK(r.out.empty());
    }
    SUBCASE("bad --zone-server") {
        const auto r = run_rblscope(
            {"check", "--catalog", f.catalog, "--zone-server", "bl.test", "192.0.2.1"});
        CHECK(r.exit_code == 3);
        CHECK(r.err == "rblscope: --zone-server \"bl.test\": expected ZONE=IP[:PORT]\n");
    }
    SUBCASE("bad zone name") {
        const auto r =
            run_rblscope({"check", "--catalog", f.catalog, "--zones", "not a zone", "192.0.2.1"});
        CHECK(r.exit_code == 3);
        CHECK(one_line(r));
    }
    SUBCASE("no targets") {
        const auto r = run_rblscope({"check", "--catalog", f.catalog});
        CHECK(r.exit_code == 3);
        CHECK(one_line(r));
    }
    SUBCASE("unreadable input file") {
        const auto r =
            run_rblscope({"check", "--catalog", f.catalog, "--input", "/nonexistent/targets.txt"});
        CHECK(r.exit_code == 3);
        CHECK(r.err ==
              "rblscope: --input /nonexistent/targets.txt: cannot open the file: No such file or "
              "directory\n");
    }
    SUBCASE("a broken catalog names file, line and column") {
        write_file(f.dir + "/broken.toml",
                   "[[zone]]\nid = \"x\"\nzone = \"x.test\"\nkind = \"ipv9\"\n");
        const auto r = run_rblscope({"check", "--catalog", f.dir + "/broken.toml", "192.0.2.1"});
        CHECK(r.exit_code == 3);
        CHECK(
            r.err ==
            fmt::format(
                "rblscope: {}/broken.toml:4:8: zone \"x\": unknown kind \"ipv9\" (expected one of: "
                "ip4, ip6, both, domain, hash, http)\n",
                f.dir));
    }
    SUBCASE("timeout out of range") {
        const auto r = run_rblscope({"check", "--query-timeout", "0", "192.0.2.1"});
        CHECK(r.exit_code == 3);
        CHECK(one_line(r));
    }
}

TEST_CASE("cli: --version and --help exit 0") {
    const auto v = run_rblscope({"--version"});
    CHECK(v.exit_code == 0);
    CHECK(v.out.starts_with("rblscope "));
    const auto h = run_rblscope({"check", "--help"});
    CHECK(h.exit_code == 0);
    CHECK(h.out.find("--zone-server") != std::string::npos);
}

TEST_CASE("cli: zones lists and filters the shipped catalog") {
    const auto all =
        run_rblscope({"zones", "--catalog", RBLSCOPE_CATALOG_FILE, "--format", "json"});
    CHECK(all.exit_code == 0);
    const auto doc = nlohmann::json::parse(all.out);
    CHECK(doc.size() >= 250);
    const auto dead =
        run_rblscope({"zones", "--catalog", RBLSCOPE_CATALOG_FILE, "--status", "lists-everything"});
    CHECK(dead.out.find("dnsbl.ahbl.org") != std::string::npos);
    CHECK(dead.out.find("zen.spamhaus.org") == std::string::npos);
    const auto dom = run_rblscope(
        {"zones", "--catalog", RBLSCOPE_CATALOG_FILE, "--kind", "domain", "--default"});
    CHECK(dom.out.find("dbl.spamhaus.org") != std::string::npos);
    CHECK(dom.out.find("bl.spamcop.net") == std::string::npos);
}

TEST_SUITE_END();
