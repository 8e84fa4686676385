#include "integration/fixtures.hpp"

#include "core/hash.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fmt/format.h>
#include <stdexcept>
#include <sys/stat.h>

namespace rblscope::test {

namespace {

// rbldnsd data. bl.test: an ordinary IPv4 list with TXT; pbl.test: a policy list;
// allow.test: an allowlist; bl6.test: IPv6; dbl.test: domains and email hashes;
// example.test: A records for hostname targets.
void write_zones(const std::string& dir) {
    write_file(dir + "/bl.zone",
               ":127.0.0.2:Listed for spam, see https://bl.test/?$\n"
               "127.0.0.2\n192.0.2.99\n192.0.2.97\n"
               // A TXT record a spreadsheet would run as a formula (CSV injection).
               ":127.0.0.2:+HYPERLINK(\"https://evil.example/\",\"x\")\n198.18.0.66\n"
               ":127.0.0.4:Exploited host $ \\033[31mred\\007\n192.0.2.100\n");
    write_file(dir + "/pbl.zone", ":127.0.0.10:Dynamic range\n127.0.0.2\n198.51.100.0/24\n");
    write_file(dir + "/allow.zone", ":127.0.5.2:Known good sender\n127.0.0.2\n203.0.113.5\n");
    write_file(dir + "/bl6.zone", ":127.0.0.2:IPv6 spam source\n2001:db8:bad::/48\n");
    write_file(dir + "/bl6v4.zone", "");
    // "both" zones: IPv4 and IPv6 data in one zone. rbldnsd answers the mapped RFC 5782
    // IPv6 points from the IPv4 data, so the catalog names an IPv6 test entry of its own:
    // both.test lacks it (its IPv6 side cannot say "clean"), both2.test has it.
    write_file(dir + "/both4.zone", ":127.0.0.2:v4 listing\n127.0.0.2\n192.0.2.99\n");
    write_file(dir + "/both6.zone", ":127.0.0.2:v6 listing\n2001:db8:bad::/48\n");
    write_file(dir + "/both6t.zone",
               ":127.0.0.2:v6 listing\n2001:db8:bad::/48\n2001:db8:7e57::2\n");
    const std::string hash = hash_label(normalize_email("Spam.Mer+x@Example.net"), "sha1-hex");
    write_file(dir + "/dbl.zone",
               ":127.0.1.2:Spam domain\ntest\nspammer.example.test\n" + hash +
                   "\n"
                   "xn--bcher-kva.example.test\n"); // bücher.example.test, as DNS asks for it
    // cache.test: 2-second TTLs (answers and, through the SOA, NXDOMAIN) for the cache tests.
    write_file(dir + "/cache.zone",
               "$SOA 2 ns.cache.test. admin.cache.test. 1 3600 600 86400 2\n$TTL 2\n"
               ":127.0.0.2:Listed in the cache test\n127.0.0.2\n192.0.2.99\n");
    write_file(dir + "/hosts.zone",
               "mail A 192.0.2.99\nclean A 192.0.2.1\napi A 127.0.0.1\n"); // api: HTTP tests
}

std::string catalog_text() {
    return fmt::format(R"(
[resolvers]
public = ["192.0.2.53"]

[[zone]]
id = "t-bl"
name = "Test BL"
zone = "bl.test"
kind = "ip4"
status = "active"
default = true
txt = true
delist = "https://bl.test/remove?ip={{ip}}"
codes = [ {{ code = "127.0.0.2", meaning = "spam source" }}, {{ code = "127.0.0.4", meaning = "exploited host" }} ]

[[zone]]
id = "t-pbl"
zone = "pbl.test"
kind = "ip4"
status = "active"
default = true
codes = [ {{ code = "127.0.0.10", meaning = "dynamic range", severity = "warning" }} ]

[[zone]]
id = "t-allow"
zone = "allow.test"
kind = "ip4"
role = "allow"
status = "active"
default = true
codes = [ {{ code = "127.0.5.0/24", meaning = "known good sender" }} ]

[[zone]]
id = "t-bl6"
zone = "bl6.test"
kind = "ip6"
status = "active"
default = true
test_listed = ""
test_unlisted = ""

[[zone]]
id = "t-both"
zone = "both.test"
kind = "both"
status = "active"
test_listed6 = "2001:db8:7e57::2"

[[zone]]
id = "t-both2"
zone = "both2.test"
kind = "both"
status = "active"
test_listed6 = "2001:db8:7e57::2"

[[zone]]
id = "t-cache"
zone = "cache.test"
kind = "ip4"
status = "active"
txt = true

[[zone]]
id = "t-dbl"
zone = "dbl.test"
kind = "domain"
status = "active"
default = true
codes = [ {{ code = "127.0.1.2", meaning = "spam domain" }} ]

[[zone]]
id = "t-ebl"
zone = "ebl.test"
kind = "hash"
status = "active"
default = true

[[zone]]
id = "t-keyed"
zone = "{{key}}.keyed.test"
kind = "ip4"
status = "key-required"
key_env = "RBLSCOPE_TEST_KEY"

[[zone]]
id = "t-dead"
zone = "dead.test"
kind = "ip4"
status = "defunct"
)");
}

} // namespace

Fixture::~Fixture() {
    if (!dir.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
}

Fixture& fixture() {
    static Fixture f = [] {
        Fixture fx;
        fx.dir = make_temp_dir();
        chmod(fx.dir.c_str(), 0755); // rbldnsd started as root drops to its own user
        write_zones(fx.dir);
        fx.fake = Server({FAKE_DNS_BIN,
                          "--zone",
                          "dead.test=silent",
                          "--zone",
                          "servfail.test=servfail",
                          "--zone",
                          "refused.test=refused",
                          "--zone",
                          "parked.test=a:91.195.240.117",
                          "--zone",
                          "errcode.test=a:127.255.255.254",
                          "--zone",
                          "wild.test=a:127.0.0.2",
                          "--zone",
                          "slow.test=rfc@1500",
                          "--zone",
                          "nxall.test=nxdomain",
                          "--zone",
                          "garbage.test=garbage",
                          "--zone",
                          "trunc.test=truncated",
                          "--zone",
                          "wrongid.test=wrongid",
                          "--zone",
                          "good.test=rfc",
                          "--zone",
                          "lossy.test=dropfirst"});
        const auto line = fx.fake.first_line();
        if (!line.starts_with("PORT ")) {
            throw std::runtime_error("fake_dns did not start: " + line);
        }
        fx.fake_port = std::stoi(line.substr(5));
        fx.rbldnsd_port = free_udp_port();
        fx.rbldnsd = Server({"rbldnsd",
                             "-n",
                             "-f",
                             "-q",
                             "-b",
                             fmt::format("127.0.0.1/{}", fx.rbldnsd_port),
                             "-r",
                             fx.dir,
                             "bl.test:ip4set:bl.zone",
                             "s3cretkey.dq.test:ip4set:bl.zone",
                             "pbl.test:ip4set:pbl.zone",
                             "allow.test:ip4set:allow.zone",
                             "bl6.test:ip6trie:bl6.zone",
                             "both.test:ip4set:both4.zone",
                             "both.test:ip6trie:both6.zone",
                             "both2.test:ip4set:both4.zone",
                             "both2.test:ip6trie:both6t.zone",
                             "dbl.test:dnset:dbl.zone",
                             "cache.test:ip4set:cache.zone",
                             "ebl.test:dnset:dbl.zone",
                             "example.test:generic:hosts.zone"});
        if (!wait_for_dns(fx.rbldnsd_port, "2.0.0.127.bl.test")) {
            throw std::runtime_error("rbldnsd did not answer on its port");
        }
        fx.catalog = fx.dir + "/catalog.toml";
        write_file(fx.catalog, catalog_text());
        return fx;
    }();
    return f;
}

RunResult run_rblscope(const std::vector<std::string>& args,
                       const std::string& input,
                       const std::vector<std::string>& env) {
    std::vector<std::string> argv{RBLSCOPE_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, input, env);
}

void make_test_certificates(const std::string& dir) {
    const std::string make_certs =
        fmt::format("set -e; cd {d}; "
                    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                    "-keyout ca.key -out ca.pem -days 2 -subj /CN=rblscope-test-ca 2>/dev/null; "
                    "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
                    "-keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null; "
                    "printf 'subjectAltName=IP:127.0.0.1,DNS:api.example.test\\n' > ext.cnf; "
                    "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
                    "-out server.pem -days 2 -extfile ext.cnf 2>/dev/null",
                    fmt::arg("d", dir));
    const auto certs = run({"/bin/sh", "-c", make_certs});
    if (certs.exit_code != 0) {
        throw std::runtime_error("openssl could not make the test certificates: " + certs.err);
    }
}

const nlohmann::json& result_for(const nlohmann::json& doc,
                                 std::size_t t,
                                 const std::string& zone,
                                 const std::string& subject) {
    for (const auto& r : doc.at("targets").at(t).at("results")) {
        if (r.at("zone") == zone && (subject.empty() || r.at("subject") == subject)) {
            return r;
        }
    }
    FAIL("no result for zone " << zone << " " << subject);
    static nlohmann::json none;
    return none;
}

} // namespace rblscope::test
