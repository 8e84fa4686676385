// The real binary against a real rbldnsd on loopback: statuses, codes, TXT, exit codes.

#include "core/hash.hpp"
#include "integration/fixtures.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

using namespace rblscope::test;
using nlohmann::json;

namespace {

std::vector<std::string> base_args(const std::string& format = "json") {
    auto& f = fixture();
    return {"check",
            "--catalog",
            f.catalog,
            "--resolver",
            fmt::format("127.0.0.1:{}", f.rbldnsd_port),
            "--format",
            format,
            "--query-timeout",
            "1"};
}

RunResult check(std::vector<std::string> extra,
                const std::string& input = "",
                const std::string& format = "json") {
    auto args = base_args(format);
    args.insert(args.end(), extra.begin(), extra.end());
    return run_rblscope(args, input);
}

} // namespace

TEST_SUITE_BEGIN("integration");

TEST_CASE("check: a listed IPv4 address") {
    const auto r = check({"192.0.2.99"});
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    const auto doc = json::parse(r.out);
    const auto& t = doc["targets"][0];
    CHECK(t["verdict"] == "listed");
    CHECK(t["ip"] == "192.0.2.99");
    const auto& bl = result_for(doc, 0, "bl.test");
    CHECK(bl["status"] == "listed");
    CHECK(bl["codes"] == json::array({"127.0.0.2"}));
    CHECK(bl["meaning"] == "spam source");
    CHECK(bl["txt"] == "Listed for spam, see https://bl.test/?192.0.2.99");
    CHECK(bl["delist_url"] == "https://bl.test/remove?ip=192.0.2.99");
    CHECK(result_for(doc, 0, "pbl.test")["status"] == "clean");
    CHECK(result_for(doc, 0, "allow.test")["status"] == "clean");
    CHECK(doc["summary"]["exit_code"] == 2);
}

TEST_CASE("check: a clean address exits 0 and the IPv6-only zone is not asked") {
    const auto r = check({"192.0.2.1"});
    CHECK(r.exit_code == 0);
    const auto doc = json::parse(r.out);
    CHECK(doc["targets"][0]["verdict"] == "clean");
    for (const auto& res : doc["targets"][0]["results"]) {
        CHECK(res["zone"] != "bl6.test");
        CHECK(res["status"] == "clean");
    }
}

TEST_CASE("check: TXT from the network is stripped of escape sequences") {
    const auto r = check({"192.0.2.100"}, "", "text");
    CHECK(r.exit_code == 2);
    CHECK(r.out.find('\x1b') == std::string::npos);
    CHECK(r.out.find('\x07') == std::string::npos);
    CHECK(r.out.find("Exploited host 192.0.2.100") != std::string::npos);
}

TEST_CASE("check: policy-only listing is a warning, allowlist hit is not a listing") {
    const auto pbl = check({"198.51.100.7"});
    CHECK(pbl.exit_code == 1);
    CHECK(json::parse(pbl.out)["targets"][0]["verdict"] == "listed");
    CHECK(result_for(json::parse(pbl.out), 0, "pbl.test")["severity"] == "warning");
    const auto allow = check({"203.0.113.5"});
    CHECK(allow.exit_code == 0);
    const auto doc = json::parse(allow.out);
    CHECK(doc["targets"][0]["verdict"] == "clean");
    CHECK(doc["targets"][0]["counts"]["allowed"] == 1);
    CHECK(result_for(doc, 0, "allow.test")["status"] == "listed");
    CHECK(result_for(doc, 0, "allow.test")["severity"] == "allow");
}

TEST_CASE("check: IPv6 in nibble order") {
    const auto r = check({"2001:db8:bad::25"});
    CHECK(r.exit_code == 2);
    const auto doc = json::parse(r.out);
    CHECK(result_for(doc, 0, "bl6.test")["status"] == "listed");
    CHECK(doc["targets"][0]["results"].size() == 1); // only the zone that takes IPv6
    CHECK(check({"2001:db8:600d::1"}).exit_code == 0);
}

TEST_CASE("check: a zone of kind both is judged per family by its own test points") {
    // both.test lacks its IPv6 test entry, both2.test has it.
    const auto v4 = check({"--zones", "t-both,t-both2", "192.0.2.99", "192.0.2.1"});
    CHECK(v4.exit_code == 2);
    const auto d4 = json::parse(v4.out);
    CHECK(result_for(d4, 0, "both.test")["status"] == "listed");
    CHECK(result_for(d4, 1, "both.test")["status"] == "clean");
    CHECK(result_for(d4, 1, "both2.test")["status"] == "clean");

    const auto v6 = check({"--zones", "t-both,t-both2", "2001:db8:bad::25", "2001:db8:600d::1"});
    const auto d6 = json::parse(v6.out);
    CHECK(result_for(d6, 0, "both.test")["status"] == "listed"); // a listing stays a listing
    CHECK(result_for(d6, 0, "both2.test")["status"] == "listed");
    const auto untrusted = result_for(d6, 1, "both.test");
    CHECK(untrusted["status"] == "error");
    CHECK(untrusted["error"].get<std::string>().find("did not list its own test point "
                                                     "2001:db8:7e57::2") != std::string::npos);
    CHECK(result_for(d6, 1, "both2.test")["status"] == "clean");
    CHECK(d6["targets"][1]["verdict"] == "unknown");
    CHECK(v6.exit_code == 2);
}

TEST_CASE("check: a hostname is resolved and its name checked on the domain lists") {
    const auto r = check({"mail.example.test"});
    CAPTURE(r.err);
    const auto doc = json::parse(r.out);
    const auto& t = doc["targets"][0];
    CHECK(t["kind"] == "hostname");
    REQUIRE(t["addresses"].size() == 1);
    CHECK(t["addresses"][0]["ip"] == "192.0.2.99");
    CHECK(t["addresses"][0]["name"] == "mail.example.test");
    CHECK(result_for(doc, 0, "bl.test", "192.0.2.99")["status"] == "listed");
    CHECK(result_for(doc, 0, "dbl.test", "mail.example.test")["status"] == "clean");
    CHECK(r.exit_code == 2);
    const auto d = check({"spammer.example.test"});
    const auto ddoc = json::parse(d.out);
    CHECK(result_for(ddoc, 0, "dbl.test", "spammer.example.test")["status"] == "listed");
    CHECK(result_for(ddoc, 0, "dbl.test", "example.test")["status"] ==
          "clean"); // registered domain too
    CHECK(ddoc["targets"][0]["problems"].empty());
    CHECK(ddoc["targets"][0]["notes"] ==
          json::array(
              {"spammer.example.test has no A or AAAA record; only the domain lists were asked"}));
    CHECK(d.exit_code == 2);
}

TEST_CASE("check: internationalised names are asked in their A-labels (UTS 46)") {
    const auto r = check({"BÜCHER.example.test"});
    CAPTURE(r.err);
    const auto doc = json::parse(r.out);
    CHECK(doc["targets"][0]["target"] == "BÜCHER.example.test"); // as typed
    CHECK(result_for(doc, 0, "dbl.test", "xn--bcher-kva.example.test")["status"] == "listed");
    CHECK(r.exit_code == 2);
    const auto mail = json::parse(check({"user@bücher.example.test"}).out);
    CHECK(result_for(mail, 0, "dbl.test", "xn--bcher-kva.example.test")["status"] == "listed");
    // Not a name: refused with the reason, the rest still checked.
    const auto bad = check({"☃.example", "192.0.2.1"});
    CHECK(bad.err.find("not a valid internationalised domain name (string contains a "
                       "disallowed character): \"☃.example\"") != std::string::npos);
    CHECK(json::parse(bad.out)["targets"].size() == 1);
}

TEST_CASE("check: an email address is checked by domain and by hash") {
    const auto r = check({"Spam.Mer+x@Example.net"});
    const auto doc = json::parse(r.out);
    const auto& ebl = result_for(doc, 0, "ebl.test");
    CHECK(ebl["status"] == "listed");
    CHECK(ebl["subject"] == "spam.mer@example.net");
    CHECK(result_for(doc, 0, "dbl.test", "example.net")["status"] == "clean");
    CHECK(r.exit_code == 2);
}

TEST_CASE("check: CIDR blocks expand; too large a block is refused with its size") {
    const auto r = check({"192.0.2.96/30"});
    CHECK(r.exit_code == 2);
    const auto doc = json::parse(r.out);
    REQUIRE(doc["targets"].size() == 4);
    CHECK(doc["targets"][0]["ip"] == "192.0.2.96");
    CHECK(doc["targets"][1]["verdict"] == "listed"); // .97
    CHECK(doc["targets"][2]["verdict"] == "clean");
    CHECK(doc["targets"][3]["verdict"] == "listed"); // .99
    CHECK(doc["summary"]["listed"] == 2);
    CHECK(doc["summary"]["clean"] == 2);
    const auto big = check({"--max-addresses", "256", "10.0.0.0/16"});
    CHECK(big.exit_code == 3);
    CHECK(
        big.err ==
        "rblscope: 10.0.0.0/16: block 10.0.0.0/16 has 65536 addresses, more than the limit of 256 "
        "(raise it with --max-addresses)\n");
}

namespace {
bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}
} // namespace

TEST_CASE("check: --input takes targets exactly as typed: a BOM, CRLF, NUL, legacy notations, "
          "bracketed and port forms") {
    using namespace std::string_literals;
    const auto dir = fixture().dir;
    write_file(dir + "/windows.txt",
               "\xEF\xBB\xBF"
               "192.0.2.1\r\n"
               "192.0.2.2\0junk\r\n"s
               "0177.0.0.1\r\n"
               "0x7f.1\r\n"
               "[192.0.2.99]:25\r\n"
               "192.0.2.99:587\r\n");
    const auto r = check({"--input", dir + "/windows.txt"});
    CAPTURE(r.err);
    const auto file = dir + "/windows.txt";
    CHECK(contains(r.err,
                   fmt::format("{}:2: contains a NUL byte (at byte 10): \"192.0.2.2junk\"", file)));
    CHECK(contains(
        r.err, fmt::format("{}:3: octal notation is ambiguous: did you mean 127.0.0.1?", file)));
    CHECK(contains(r.err, fmt::format("{}:4: hexadecimal IPv4 notation is ambiguous", file)));
    CHECK(
        contains(r.err, fmt::format("{}:5: checked as 192.0.2.99: the port 25 was ignored", file)));
    CHECK(contains(r.err,
                   fmt::format("{}:6: checked as 192.0.2.99: the port 587 was ignored", file)));
    CHECK(r.err.find('\0') == std::string::npos);
    const auto doc = json::parse(r.out);
    REQUIRE(doc["targets"].size() == 3);
    CHECK(doc["targets"][0]["target"] == "192.0.2.1"); // the BOM is not part of it
    CHECK(doc["targets"][0]["input"] == file + ":1");
    CHECK(doc["targets"][1]["target"] == "[192.0.2.99]:25");
    CHECK(doc["targets"][1]["verdict"] == "listed");
    CHECK(doc["summary"]["input_errors"] == 3);

    // A file saved as UTF-16 is named as such, once.
    write_file(dir + "/wide.txt",
               "\xFF\xFE"
               "1\0"
               "9\0"
               "2\0"
               ".\0"
               "0\0"s);
    const auto wide = check({"--input", dir + "/wide.txt"});
    CHECK(wide.err ==
          fmt::format("rblscope: {}/wide.txt: file is UTF-16: save it as UTF-8 (one target a "
                      "line)\n",
                      dir));
    CHECK(wide.exit_code == 3);
}

TEST_CASE("check: --input reads a file; a bad line is named and the rest still checked") {
    const auto dir = fixture().dir;
    write_file(dir + "/targets.txt",
               "# servers\n192.0.2.1\n\n192.0.2.300\n192.0.2.99  # the listed one\n");
    const auto r = check({"--input", dir + "/targets.txt"});
    CHECK(r.err ==
          fmt::format("rblscope: {}/targets.txt:4: not a valid IPv4 address: \"192.0.2.300\"\n",
                      dir));
    const auto doc = json::parse(r.out);
    REQUIRE(doc["targets"].size() == 2);
    CHECK(doc["targets"][1]["input"] == dir + "/targets.txt:5");
    CHECK(doc["summary"]["input_errors"] == 1);
    CHECK(doc["input_errors"][0]["where"] == dir + "/targets.txt:4");
    CHECK(r.exit_code == 2); // the listing is the worst news
    const auto stdin_run = check({"--input", "-"}, "192.0.2.1\nbogus!\n");
    CHECK(stdin_run.exit_code == 3); // clean + a bad line: not everything could be decided
    CHECK(stdin_run.err.find("stdin:2:") != std::string::npos);
}

TEST_CASE("check: --zones takes ids and bare zone names") {
    const auto r = check({"--zones", "t-bl,pbl.test", "198.51.100.7"});
    const auto doc = json::parse(r.out);
    REQUIRE(doc["targets"][0]["results"].size() == 2);
    // A zone name that is in the catalog selects the catalog entry, with its codes.
    CHECK(result_for(doc, 0, "pbl.test")["status"] == "listed");
    const auto bare = check({"--zones", "bl.test,other.bl.test", "192.0.2.99"});
    const auto bdoc = json::parse(bare.out);
    // A zone rbldnsd does not serve: REFUSED, reported as error, never clean.
    CHECK(result_for(bdoc, 0, "other.bl.test")["status"] == "error");
    CHECK(bare.exit_code == 2);
}

TEST_CASE("check: --zones selectors default, all and tag:") {
    auto& f = fixture();
    write_file(
        f.dir + "/tags.toml",
        "[[zone]]\nid = \"a\"\nzone = \"bl.test\"\nkind = \"ip4\"\ntags = [\"x\"]\n"
        "[[zone]]\nid = \"b\"\nzone = \"pbl.test\"\nkind = \"ip4\"\ndefault = true\n"
        "[[zone]]\nid = \"c\"\nzone = \"dead.test\"\nkind = \"ip4\"\nstatus = \"defunct\"\n");
    const auto zones_of = [&](const std::string& sel) {
        const auto r = run_rblscope({"check",
                                     "--catalog",
                                     f.dir + "/tags.toml",
                                     "--resolver",
                                     fmt::format("127.0.0.1:{}", f.rbldnsd_port),
                                     "--format",
                                     "json",
                                     "--zones",
                                     sel,
                                     "192.0.2.1"});
        const auto doc = json::parse(r.out);
        std::string out;
        for (const auto& res : doc["targets"][0]["results"]) {
            out += (out.empty() ? "" : ",") + res["zone"].get<std::string>();
        }
        return out + r.err;
    };
    CHECK(zones_of("default") == "pbl.test");
    CHECK(zones_of("all") == "bl.test,pbl.test"); // never the dead one
    CHECK(zones_of("tag:x") == "bl.test");
    CHECK(zones_of("tag:x,default,a") == "bl.test,pbl.test");
    const auto none = run_rblscope(
        {"check", "--catalog", f.dir + "/tags.toml", "--zones", "tag:nope", "192.0.2.1"});
    CHECK(none.exit_code == 3);
    CHECK(none.err == "rblscope: --zones: no usable zone has the tag \"nope\"\n");
}

TEST_CASE("check: a zone needing a key is skipped without one, and never spoils the verdict") {
    const auto r = check({"--zones", "t-bl,t-keyed", "192.0.2.1"});
    const auto doc = json::parse(r.out);
    const auto& keyed = result_for(doc, 0, "{key}.keyed.test");
    CHECK(keyed["status"] == "skipped");
    CHECK(keyed["error"] == "needs a key: set RBLSCOPE_TEST_KEY");
    CHECK(doc["targets"][0]["verdict"] == "clean");
    CHECK(r.exit_code == 0);
}

TEST_CASE("check: --zone-server routes one zone to its own server") {
    auto& f = fixture();
    const auto r = run_rblscope({"check",
                                 "--catalog",
                                 f.catalog,
                                 "--resolver",
                                 fmt::format("127.0.0.1:{}", f.fake_port),
                                 "--zone-server",
                                 fmt::format("bl.test=127.0.0.1:{}", f.rbldnsd_port),
                                 "--zones",
                                 "t-bl,t-pbl",
                                 "--format",
                                 "json",
                                 "192.0.2.99"});
    const auto doc = json::parse(r.out);
    CHECK(result_for(doc, 0, "bl.test")["status"] == "listed");
    CHECK(result_for(doc, 0, "pbl.test")["status"] == "error"); // fake_dns refuses unknown zones
    CHECK(r.exit_code == 2);
}

TEST_CASE("check: a catalog zone with its own server is routed there") {
    auto& f = fixture();
    write_file(
        f.dir + "/routed.toml",
        fmt::format("[[zone]]\nid = \"r\"\nzone = \"bl.test\"\nkind = \"ip4\"\ndefault = true\n"
                    "server = \"127.0.0.1:{}\"\n"
                    "[[zone]]\nid = \"p\"\nzone = \"pbl.test\"\nkind = \"ip4\"\ndefault = true\n",
                    f.rbldnsd_port));
    const auto r = run_rblscope({"check",
                                 "--catalog",
                                 f.dir + "/routed.toml",
                                 "--resolver",
                                 fmt::format("127.0.0.1:{}", f.fake_port),
                                 "--format",
                                 "json",
                                 "192.0.2.99"});
    const auto doc = json::parse(r.out);
    CHECK(result_for(doc, 0, "bl.test")["status"] == "listed");
    CHECK(result_for(doc, 0, "pbl.test")["status"] == "error"); // via the default resolver: refused
}

TEST_CASE("check: a public resolver draws a warning") {
    auto& f = fixture();
    // A catalog that calls loopback "public", so the test never leaves this machine.
    write_file(f.dir + "/public.toml",
               "[resolvers]\npublic = [\"127.0.0.1\"]\n[[zone]]\nid = \"b\"\n"
               "zone = \"bl.test\"\nkind = \"ip4\"\ndefault = true\n");
    const auto r = run_rblscope({"check",
                                 "--catalog",
                                 f.dir + "/public.toml",
                                 "--resolver",
                                 fmt::format("127.0.0.1:{}", f.rbldnsd_port),
                                 "192.0.2.1"});
    CHECK(r.err ==
          fmt::format(
              "rblscope: warning: resolver 127.0.0.1:{} is a public resolver: Spamhaus, URIBL, "
              "DNSWL and others refuse or mis-answer queries from it; use your own recursive "
              "resolver\n",
              f.rbldnsd_port));
    CHECK(r.exit_code == 0);
}

TEST_CASE("check: text output has a table, listings first, and a summary line") {
    const auto r = check({"192.0.2.99", "--all"}, "", "text");
    CHECK(r.exit_code == 2);
    const auto listed = r.out.find("listed   bl.test");
    const auto clean = r.out.find("clean    pbl.test");
    CHECK(listed != std::string::npos);
    CHECK(clean != std::string::npos);
    CHECK(listed < clean);
    CHECK(r.out.find("=> LISTED on 1 of 3 lists") != std::string::npos);
    CHECK(r.out.find('\x1b') == std::string::npos); // not a TTY: no colour
}

TEST_SUITE_END();

TEST_CASE("check: a keyed zone stands in for the zone it replaces when its key is set") {
    auto& f = fixture();
    write_file(f.dir + "/dqs.toml", R"(
[[zone]]
id = "pub"
zone = "bl.test"
kind = "ip4"
status = "active"
default = true

[[zone]]
id = "dqs"
zone = "{key}.dq.test"
kind = "ip4"
status = "key-required"
key_env = "RBLSCOPE_TEST_DQS_KEY"
replaces = "pub"
)");
    const std::vector<std::string> args = {"check",
                                           "--catalog",
                                           f.dir + "/dqs.toml",
                                           "--resolver",
                                           fmt::format("127.0.0.1:{}", f.rbldnsd_port),
                                           "--format",
                                           "json",
                                           "192.0.2.99"};
    const auto plain = run_rblscope(args);
    CHECK(json::parse(plain.out)["targets"][0]["results"][0]["zone"] == "bl.test");
    const auto keyed = run_rblscope(args, "", {"RBLSCOPE_TEST_DQS_KEY=s3cretkey"});
    CHECK(keyed.exit_code == 2);
    const auto doc = json::parse(keyed.out);
    REQUIRE(doc["targets"][0]["results"].size() == 1);
    CHECK(doc["targets"][0]["results"][0]["zone"] == "{key}.dq.test");
    CHECK(doc["targets"][0]["results"][0]["status"] == "listed");
    CHECK(keyed.out.find("s3cretkey") == std::string::npos);

    // The key typed into --zones works, is never repeated, and the user is told that other
    // users can read it there.
    auto typed = args;
    typed.insert(typed.begin() + 1, {"--zones", "s3cretkey.dq.test"});
    const auto on_command_line = run_rblscope(typed);
    CHECK(on_command_line.exit_code == 2);
    CHECK(on_command_line.err.find("warning: --zones holds the key of") != std::string::npos);
    CHECK(on_command_line.err.find("RBLSCOPE_TEST_DQS_KEY") != std::string::npos);
    const auto typed_doc = json::parse(on_command_line.out);
    CHECK(typed_doc["targets"][0]["results"][0]["id"] == "dqs");
    CHECK(typed_doc["targets"][0]["results"][0]["status"] == "listed");
    CHECK(on_command_line.out.find("s3cretkey") == std::string::npos);
    CHECK(on_command_line.err.find("s3cretkey") == std::string::npos);
}

TEST_CASE("check: a block in text: each address by itself, shared failures once, a summary") {
    auto& f = fixture();
    const auto r = check({"--zones",
                          "t-bl,t-dead",
                          "--zone-server",
                          fmt::format("dead.test=127.0.0.1:{}", f.fake_port),
                          "192.0.2.96/29"},
                         "",
                         "text");
    CHECK(r.exit_code == 2);
    INFO(r.out);
    // Each address shown is titled with itself, never with the block.
    CHECK(r.out.find("\n192.0.2.97\n") != std::string::npos);
    CHECK(r.out.find("\n192.0.2.99\n") != std::string::npos);
    CHECK(r.out.find("192.0.2.96/29\n") == std::string::npos);
    // .98 has nothing to say but the dead list every address shares: not shown.
    CHECK(r.out.find("\n192.0.2.98\n") == std::string::npos);
    // The dead list is named for the first address and in the summary, not eight times.
    const auto rows = [&](const std::string& what) {
        std::size_t n = 0;
        for (auto at = r.out.find(what); at != std::string::npos; at = r.out.find(what, at + 1)) {
            ++n;
        }
        return n;
    };
    CHECK(rows("dead.test") <= 2);
    CHECK(r.out.find("192.0.2.96/29: 8 addresses: 3 listed, 0 clean, 5 unknown (") !=
          std::string::npos);
    CHECK(r.out.find("  listed: 192.0.2.97, 192.0.2.99, 192.0.2.100\n") != std::string::npos);
    CHECK(r.out.find("  listings by list: bl.test 3\n") != std::string::npos);
    CHECK(r.out.find("  not asked for any address: dead.test: ") != std::string::npos);
    // JSON still has every address.
    const auto doc = json::parse(check({"--zones", "t-bl", "192.0.2.96/29"}).out);
    CHECK(doc["targets"].size() == 8);
}

TEST_CASE("check: progress on a terminal for runs over a second, never on a pipe") {
    auto& f = fixture();
    if (run({"/bin/sh", "-c", "command -v script"}).exit_code != 0) {
        MESSAGE("script(1) is not installed: skipped");
        return;
    }
    auto args = base_args("text");
    args.insert(args.end(),
                {"--zones",
                 "t-bl,t-dead",
                 "--zone-server",
                 fmt::format("dead.test=127.0.0.1:{}", f.fake_port),
                 "192.0.2.96/29"});
    std::string command = std::string("'") + RBLSCOPE_BIN + "'";
    for (const auto& a : args) {
        command += " '" + a + "'";
    }
    // script(1) gives the run a terminal: the bar is drawn, then erased before each write.
    const auto tty = run({"script", "-qec", command + " 2>&1", "/dev/null"});
    CHECK(tty.out.find("checked [") != std::string::npos);
    CHECK(tty.out.find("\r\x1b[K") != std::string::npos);
    CHECK(tty.out.find("192.0.2.96/29: 8 addresses") != std::string::npos);
    // A pipe: no bar, not a byte of it.
    const auto pipe = run_rblscope(args);
    CHECK(pipe.err.find("checked") == std::string::npos);
    CHECK(pipe.out.find('\x1b') == std::string::npos);
}
