// Monitoring formats: Nagios plugin output and exit codes, thresholds, the run deadline,
// CSV and Prometheus (validated with promtool), the Icinga 2 CheckCommand (run by icinga2).

#include "integration/fixtures.hpp"

#include <chrono>
#include <doctest/doctest.h>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace rblscope::test;
using nlohmann::json;

namespace {

RunResult plugin(std::vector<std::string> extra) {
    auto& f = fixture();
    std::vector<std::string> args{"check",
                                  "--catalog",
                                  f.catalog,
                                  "--resolver",
                                  fmt::format("127.0.0.1:{}", f.rbldnsd_port),
                                  "--zones",
                                  "t-bl,t-pbl,t-allow",
                                  "--format",
                                  "nagios"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_rblscope(args);
}

std::string first_line(const std::string& s) {
    return s.substr(0, s.find('\n'));
}

} // namespace

TEST_SUITE_BEGIN("integration");

TEST_CASE("nagios: status line, perfdata and long text") {
    const auto r = plugin({"-H", "192.0.2.99"});
    CHECK(r.exit_code == 2);
    const auto line = first_line(r.out);
    CHECK(line.starts_with("RBL CRITICAL - 192.0.2.99 listed on 1 of 3 lists (bl.test) | "
                           "listed=1;;;0;3 score=1;;;; errors=0;;;0;3 time="));
    CHECK(line.ends_with("s;;;0"));
    // Long text: the listing with code, meaning, TXT (with '|' made harmless) and delist URL.
    CHECK(r.out.find("\nlisted: bl.test 127.0.0.2 spam source \"Listed for spam, see "
                     "https://bl.test/?192.0.2.99\" "
                     "delist: https://bl.test/remove?ip=192.0.2.99\n") != std::string::npos);
    CHECK(std::count(r.out.begin(), r.out.end(), '|') == 1);
}

TEST_CASE("nagios: a usage error says why on stdout, where the monitoring system looks") {
    // Before the options are read, after, and before the run could start.
    const auto flag = run_rblscope({"check", "--format", "nagios", "--bogus", "192.0.2.1"});
    CHECK(flag.exit_code == 3);
    CHECK(first_line(flag.out) == "RBL UNKNOWN - The following argument was not expected: --bogus");
    const auto range = plugin({"-H", "192.0.2.1", "-w", "x:"});
    CHECK(range.exit_code == 3);
    CHECK(first_line(range.out).starts_with("RBL UNKNOWN - --warning: \"x:\" is not a threshold"));
    const auto resolver =
        run_rblscope({"check", "--format", "nagios", "--resolver", "999.1.1.1", "-H", "192.0.2.1"});
    CHECK(resolver.exit_code == 3);
    CHECK(first_line(resolver.out).starts_with("RBL UNKNOWN - --resolver: \"999.1.1.1\""));
    const auto catalog = run_rblscope(
        {"check", "--format", "nagios", "--catalog", "/nonexistent/lists.toml", "192.0.2.1"});
    CHECK(catalog.exit_code == 3);
    CHECK(first_line(catalog.out)
              .starts_with("RBL UNKNOWN - /nonexistent/lists.toml: cannot read the zone catalog"));
    // Other formats keep stdout for their documents.
    CHECK(run_rblscope({"check", "--bogus", "192.0.2.1"}).out.empty());
}

TEST_CASE("nagios: check_rbl's command line works unchanged but for the program") {
    auto& f = fixture();
    const std::vector<std::string> check_rbl{
        "-H",        "192.0.2.99", "-s",
        "bl.test",   "-s",         "pbl.test",
        "-w",        "1",          "-c",
        "1",         "-t",         "15",
        "--retry",   "3",          "-v",
        "--workers", "20",         "--catalog",
        f.catalog,   "--resolver", fmt::format("127.0.0.1:{}", f.rbldnsd_port)};
    std::vector<std::string> args{"check", "--format", "nagios"};
    args.insert(args.end(), check_rbl.begin(), check_rbl.end());
    const auto r = run_rblscope(args);
    CHECK(r.exit_code == 0); // one listing is inside check_rbl's -w 1 -c 1
    CHECK(first_line(r.out).starts_with("RBL OK - 192.0.2.99 listed on 1 of 2 lists (bl.test) |"));
    // Called as check_rblscope (a symlink in a plugin directory): check --format nagios.
    const auto dir = make_temp_dir();
    std::filesystem::create_symlink(RBLSCOPE_BIN, dir + "/check_rblscope");
    std::vector<std::string> argv{dir + "/check_rblscope"};
    argv.insert(argv.end(), check_rbl.begin(), check_rbl.end());
    const auto linked = run(argv);
    CHECK(linked.exit_code == 0);
    const auto until_time = [](const std::string& out) {
        const auto line = first_line(out);
        return line.substr(0, line.find(" time="));
    };
    CHECK(until_time(linked.out) == until_time(r.out));
    const auto usage = run({dir + "/check_rblscope", "-H"});
    CHECK(usage.exit_code == 3);
    CHECK(first_line(usage.out).starts_with("RBL UNKNOWN - "));
}

TEST_CASE("nagios: each exit code") {
    CHECK(first_line(plugin({"-H", "192.0.2.1"}).out)
              .starts_with("RBL OK - 192.0.2.1 not listed on 3 lists |"));
    CHECK(plugin({"-H", "192.0.2.1"}).exit_code == 0);
    const auto warn = plugin({"-H", "198.51.100.7"}); // policy listing only
    CHECK(warn.exit_code == 1);
    CHECK(first_line(warn.out).starts_with(
        "RBL WARNING - 198.51.100.7 listed on 1 of 3 lists (pbl.test)"));
    CHECK(plugin({"-H", "192.0.2.99"}).exit_code == 2);
    auto& f = fixture();
    const auto unknown = run_rblscope({"check",
                                       "--catalog",
                                       f.catalog,
                                       "--resolver",
                                       fmt::format("127.0.0.1:{}", f.rbldnsd_port),
                                       "--zones",
                                       "t-bl,nothere.test",
                                       "--format",
                                       "nagios",
                                       "-H",
                                       "192.0.2.1"});
    CHECK(unknown.exit_code == 3);
    CHECK(first_line(unknown.out)
              .starts_with(
                  "RBL UNKNOWN - 192.0.2.1 not listed, but 1 of 2 lists could not be asked"));
    CHECK(unknown.out.find("\nerror: nothere.test: REFUSED") != std::string::npos);
}

TEST_CASE("nagios: --errors-as decides when nothing alerted") {
    auto& f = fixture();
    const auto run = [&](const char* as) {
        return run_rblscope({"check",
                             "--catalog",
                             f.catalog,
                             "--resolver",
                             fmt::format("127.0.0.1:{}", f.rbldnsd_port),
                             "--zones",
                             "t-bl,nothere.test",
                             "--format",
                             "nagios",
                             "--errors-as",
                             as,
                             "-H",
                             "192.0.2.1"})
            .exit_code;
    };
    CHECK(run("ok") == 0);
    CHECK(run("warning") == 1);
    CHECK(run("unknown") == 3);
}

TEST_CASE("nagios: thresholds on the count, in the range syntax") {
    // 192.0.2.99 has 1 listing (bl.test); 198.51.100.7 has 1 (pbl.test, warning severity).
    const auto code = [](std::vector<std::string> extra) {
        extra.insert(extra.end(), {"-H", "192.0.2.99"});
        return plugin(extra).exit_code;
    };
    CHECK(code({"-w", "0", "-c", "5"}) == 1); // 1 > 0: warning
    CHECK(code({"-w", "0", "-c", "0"}) == 2); // critical wins
    CHECK(code({"-w", "1", "-c", "2"}) == 0); // inside 0..1: OK although listed
    CHECK(code({"-c", "10:"}) == 2);          // below 10
    CHECK(code({"-c", "~:5"}) == 0);          // not above 5
    CHECK(code({"-c", "~:0"}) == 2);
    CHECK(code({"-w", "@1:7"}) == 1); // inside 1..7
    CHECK(code({"-w", "@3:7"}) == 0);
    const auto perf = plugin({"-w", "0", "-c", "5", "-H", "192.0.2.99"}).out;
    CHECK(first_line(perf).find("| listed=1;0;5;0;3 ") != std::string::npos);
    const auto bad = plugin({"-w", "5:1", "-H", "192.0.2.99"});
    CHECK(bad.exit_code == 3);
    CHECK(bad.err == "rblscope: --warning: \"5:1\" is not a threshold range: the start is greater "
                     "than the end (e.g. "
                     "2, 5:, ~:3, 1:4, @1:4)\n");
}

TEST_CASE("nagios: thresholds on the weighted score") {
    // bl.test has weight 1 and a critical code; pbl.test weight 1 and a warning code (x0.5).
    auto r = plugin({"--threshold-on", "score", "-w", "0.4", "-c", "0.9", "-H", "198.51.100.7"});
    CHECK(r.exit_code == 1); // 0.5
    CHECK(first_line(r.out).find("score=0.5;0.4;0.9;;") != std::string::npos);
    CHECK(plugin({"--threshold-on", "score", "-w", "0.4", "-c", "0.9", "-H", "192.0.2.99"})
              .exit_code == 2); // 1
}

TEST_CASE("deadline: -t reports what it has and exits UNKNOWN") {
    auto& f = fixture();
    // good.test answers, dead.test never does; -t 0.5 cuts the 10 s query budget short.
    const auto cut_run = [&](const char* format) {
        return run_rblscope({"check",
                             "--resolver",
                             fmt::format("127.0.0.1:{}", f.fake_port),
                             "--zones",
                             "good.test,dead.test",
                             "--query-timeout",
                             "10",
                             "-t",
                             "0.5",
                             "--format",
                             format,
                             "192.0.2.99"});
    };
    const auto r = cut_run("nagios");
    CHECK(r.exit_code == 3);
    CHECK(first_line(r.out).starts_with(
        "RBL UNKNOWN - deadline of 0.5 s reached; 192.0.2.99 listed on 1 of 2 lists"));
    CHECK(
        r.out.find("\ntimeout: dead.test: the run's deadline of 0.5 s passed before an answer\n") !=
        std::string::npos);
    const auto j = cut_run("json");
    const auto doc = nlohmann::json::parse(j.out);
    CHECK(doc["summary"]["deadline_reached"] == true);
    CHECK(result_for(doc, 0, "good.test")["status"] == "listed");
    CHECK(result_for(doc, 0, "dead.test")["status"] == "timeout");
    CHECK(j.exit_code == 3);
}

TEST_CASE("csv: header, one row per result, RFC 4180 quoting") {
    auto& f = fixture();
    const auto r = run_rblscope({"check",
                                 "--catalog",
                                 f.catalog,
                                 "--resolver",
                                 fmt::format("127.0.0.1:{}", f.rbldnsd_port),
                                 "--zones",
                                 "t-bl",
                                 "--format",
                                 "csv",
                                 "192.0.2.99",
                                 "192.0.2.1"});
    CHECK(r.exit_code == 2);
    // elapsed_ms, the last field, varies: compare up to it.
    CHECK(r.out.starts_with(
        "target,ip,zone,id,subject,status,severity,codes,meaning,txt,delist_url,error,elapsed_"
        "ms\r\n"
        "192.0.2.99,192.0.2.99,bl.test,t-bl,192.0.2.99,listed,critical,127.0.0.2,spam source,"
        "\"Listed for spam, see "
        "https://bl.test/?192.0.2.99\",https://bl.test/remove?ip=192.0.2.99,,"));
    CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 3);
    CHECK(r.out.find("\r\n192.0.2.1,192.0.2.1,bl.test,t-bl,192.0.2.1,clean,,,,,,,") !=
          std::string::npos);
    // A hostile TXT record is neutralised for spreadsheets: a leading ' inside quotes.
    const auto hostile = run_rblscope({"check",
                                       "--catalog",
                                       f.catalog,
                                       "--resolver",
                                       fmt::format("127.0.0.1:{}", f.rbldnsd_port),
                                       "--zones",
                                       "t-bl",
                                       "--format",
                                       "csv",
                                       "198.18.0.66"});
    INFO((hostile.out + hostile.err));
    CHECK(hostile.out.find(",\"'+HYPERLINK(\"\"https://evil.example/\"\",\"\"x\"\")\",") !=
          std::string::npos);
    CHECK(hostile.out.find(",+HYPERLINK") == std::string::npos);
}

TEST_CASE("prometheus: valid exposition format (promtool)") {
    auto& f = fixture();
    const auto r = run_rblscope({"check",
                                 "--catalog",
                                 f.catalog,
                                 "--resolver",
                                 fmt::format("127.0.0.1:{}", f.rbldnsd_port),
                                 "--zones",
                                 "t-bl,t-allow,nothere.test",
                                 "--format",
                                 "prometheus",
                                 "192.0.2.99",
                                 "203.0.113.5",
                                 "mail.example.test"});
    // The same series and label names as serve's /metrics.
    CHECK(
        r.out.find("rblscope_listed{target=\"192.0.2.99\",subject=\"192.0.2.99\",zone=\"bl.test\","
                   "list=\"Test BL\"} 1\n") != std::string::npos);
    CHECK(r.out.find("rblscope_listing_info{target=\"192.0.2.99\",subject=\"192.0.2.99\",zone=\"bl."
                     "test\",list=\"Test BL\",codes=\"127.0.0.2\"} 1\n") != std::string::npos);
    CHECK(r.out.find("rblscope_target_verdict{target=\"192.0.2.99\",verdict=\"listed\"} 1\n") !=
          std::string::npos);
    CHECK(r.out.find("rblscope_allowlisted{target=\"203.0.113.5\"") != std::string::npos);
    CHECK(r.out.find(
              "rblscope_lookup_error{target=\"192.0.2.99\",subject=\"192.0.2.99\",zone=\"nothere."
              "test\"") != std::string::npos);
    CHECK(r.out.find("ip=\"") == std::string::npos);
    CHECK(r.out.find("# TYPE rblscope_check_duration_seconds gauge\n") != std::string::npos);
    write_file(f.dir + "/metrics.prom", r.out);
    const auto check =
        run({"/bin/sh", "-c", "promtool check metrics < " + f.dir + "/metrics.prom"});
    CHECK_MESSAGE(check.exit_code == 0, (check.out + check.err));
}

TEST_SUITE_END();

namespace {

// An Icinga 2 configuration using scripts/monitoring/rblscope-icinga2.conf as shipped,
// with one host whose two addresses are listed in the rbldnsd fixture.
std::string icinga2_config(const std::string& dir) {
    auto& f = fixture();
    return fmt::format(R"(include <itl>
include "{src}/scripts/monitoring/rblscope-icinga2.conf"

object CheckerComponent "checker" {{ }}
object PerfdataWriter "perfdata" {{
  service_perfdata_path = "{dir}/perfdata/service-perfdata"
  service_temp_path = "{dir}/perfdata/service-perfdata.tmp"
  host_perfdata_path = "{dir}/perfdata/host-perfdata"
  host_temp_path = "{dir}/perfdata/host-perfdata.tmp"
  service_format_template = "STATE::$service.state_id$\tPERF::$service.perfdata$\tOUTPUT::$service.output$"
  rotation_interval = 1s
}}

object Host "mail" {{
  check_command = "dummy"
  address = "192.0.2.99"
  address6 = "2001:db8:bad::25"
}}

object Service "rbl" {{
  host_name = "mail"
  check_command = "rblscope"
  check_interval = 2s // the first check comes at a random point of the first interval
  vars.rblscope_binary = "{bin}"
  vars.rblscope_catalog = "{catalog}"
  vars.rblscope_resolver = [ "127.0.0.1:{port}" ]
  vars.rblscope_zones = "t-bl,t-bl6,t-allow"
  vars.rblscope_critical = "0"
  vars.rblscope_query_timeout = 2
  vars.rblscope_no_txt = true
}}

// The ITL's check_rbl variables, as a service moved over from check_command = "rbl".
object Service "rbl-itl" {{
  host_name = "mail"
  check_command = "rblscope"
  check_interval = 2s
  vars.rblscope_binary = "{bin}"
  vars.rblscope_catalog = "{catalog}"
  vars.rblscope_resolver = [ "127.0.0.1:{port}" ]
  vars.rblscope_no_txt = true
  vars.rbl_hostname = "192.0.2.99"
  vars.rbl_server = [ "bl.test", "pbl.test" ]
  vars.rbl_warning = 1
  vars.rbl_critical = 1
  vars.rbl_timeout = 20
}}
)",
                       fmt::arg("src", RBLSCOPE_SOURCE_DIR),
                       fmt::arg("dir", dir),
                       fmt::arg("bin", RBLSCOPE_BIN),
                       fmt::arg("catalog", f.catalog),
                       fmt::arg("port", f.rbldnsd_port));
}

} // namespace

TEST_CASE("icinga2: the CheckCommand validates and runs as a real check") {
    auto& f = fixture();
    const std::string dir = f.dir + "/icinga2";
    mkdir(dir.c_str(), 0755);
    write_file(dir + "/icinga2.conf", icinga2_config(dir));
    const std::string script = std::string(RBLSCOPE_SOURCE_DIR) + "/tests/integration/icinga2.sh";

    const auto validate = run({"/bin/sh", script, "validate", dir});
    CHECK_MESSAGE(validate.exit_code == 0, (validate.out + validate.err));
    CHECK(validate.out.find("Finished validating the configuration file(s).") != std::string::npos);

    // Icinga 2 started as root drops to its own user, which must reach the binary and the
    // fixture; elsewhere the configuration check above is what can be tested.
    if (geteuid() != 0) {
        MESSAGE("not root: the Icinga 2 daemon run is skipped");
        return;
    }
    const auto live = run({"/bin/sh", script, "run", dir, "2"});
    REQUIRE_MESSAGE(live.exit_code == 0, (live.out + live.err));
    // Both host addresses were checked, each listed once: CRITICAL by -c 0.
    CHECK(live.out.find("STATE::2\t") != std::string::npos);
    CHECK(live.out.find("OUTPUT::RBL CRITICAL - 2 of 2 targets listed (192.0.2.99 on 1, "
                        "2001:db8:bad::25 on 1)") != std::string::npos);
    CHECK(live.out.find("PERF::listed=1;;0;0;2 score=1;;;; errors=0;;;0;3 time=") !=
          std::string::npos);
    CHECK(live.out.find(" targets_listed=2;;;0;2\t") != std::string::npos);
    // check_rbl's semantics through the ITL variables: one listing is inside -w 1 -c 1.
    CHECK(live.out.find("STATE::0\tPERF::listed=1;1;1;0;2") != std::string::npos);
}

TEST_CASE("nagios: the command definitions pass nagios4's configuration check") {
    auto& f = fixture();
    const std::string dir = f.dir + "/nagios4";
    mkdir(dir.c_str(), 0777);
    chmod(dir.c_str(), 0777); // nagios4 checks its paths as its own user
    write_file(dir + "/nagios.cfg",
               fmt::format("log_file={dir}/nagios.log\n"
                           "cfg_file={src}/scripts/monitoring/rblscope-nagios.cfg\n"
                           "cfg_file={dir}/objects.cfg\n"
                           "status_file={dir}/status.dat\n"
                           "lock_file={dir}/nagios.lock\n"
                           "temp_file={dir}/nagios.tmp\n"
                           "check_result_path={dir}\n"
                           "illegal_macro_output_chars=`~$&|'\"<>\n",
                           fmt::arg("dir", dir),
                           fmt::arg("src", RBLSCOPE_SOURCE_DIR)));
    // The smallest object set nagios4 accepts, with one service per shipped command.
    write_file(dir + "/objects.cfg", R"(
define timeperiod {
    timeperiod_name 24x7
    alias           always
    monday          00:00-24:00
}
define contact {
    contact_name                  admin
    host_notifications_enabled    0
    service_notifications_enabled 0
    host_notification_period      24x7
    service_notification_period   24x7
    host_notification_options     n
    service_notification_options  n
    host_notification_commands    check_rblscope_verdict
    service_notification_commands check_rblscope_verdict
}
define host {
    host_name             mail
    address               192.0.2.99
    max_check_attempts    1
    check_period          24x7
    contacts              admin
    notification_interval 0
    notification_period   24x7
}
define service {
    host_name             mail
    service_description   RBL
    check_command         check_rblscope!0!1!--resolver 127.0.0.1
    max_check_attempts    1
    check_interval        15
    retry_interval        5
    check_period          24x7
    contacts              admin
    notification_interval 0
    notification_period   24x7
}
define service {
    host_name             mail
    service_description   RBL as check_rbl
    check_command         check_rbl_rblscope!-s zen.spamhaus.org -s bl.spamcop.net
    max_check_attempts    1
    check_interval        15
    retry_interval        5
    check_period          24x7
    contacts              admin
    notification_interval 0
    notification_period   24x7
}
define service {
    host_name             mail
    service_description   RBL verdict
    check_command         check_rblscope_verdict!--errors-as warning
    max_check_attempts    1
    check_interval        15
    retry_interval        5
    check_period          24x7
    contacts              admin
    notification_interval 0
    notification_period   24x7
}
)");
    const auto r = run({"/usr/sbin/nagios4", "-v", dir + "/nagios.cfg"});
    CHECK_MESSAGE(r.exit_code == 0, (r.out + r.err));
    CHECK(r.out.find("Total Errors:   0") != std::string::npos);
    CHECK(r.out.find("Total Warnings: 0") != std::string::npos);
}

namespace {

RunResult cached_check(const std::string& cache_dir, const std::vector<std::string>& targets) {
    auto& f = fixture();
    std::vector<std::string> args = {"check",
                                     "--catalog",
                                     f.catalog,
                                     "--resolver",
                                     fmt::format("127.0.0.1:{}", f.rbldnsd_port),
                                     "--zones",
                                     "t-cache",
                                     "--format",
                                     "json",
                                     "--cache",
                                     cache_dir};
    args.insert(args.end(), targets.begin(), targets.end());
    return run_rblscope(args);
}

} // namespace

TEST_CASE("cache: repeated runs take fresh answers from the cache until their TTL runs out") {
    auto& f = fixture();
    const std::string dir = f.dir + "/answer-cache";
    const std::vector<std::string> targets = {"192.0.2.99", "192.0.2.1"};

    const auto first = cached_check(dir, targets);
    REQUIRE(first.exit_code == 2);
    const auto d1 = json::parse(first.out);
    // Two test points, two lookups, one TXT for the listing.
    CHECK(d1["summary"]["queries"] == 5);
    CHECK(d1["summary"]["cached_answers"] == 0);
    CHECK(d1["targets"][0]["results"][0]["cached"] == false);

    // Within the TTL (2 s): nothing is asked, everything comes from the cache, same result.
    const auto second = cached_check(dir, targets);
    CHECK(second.exit_code == 2);
    CHECK(second.err.empty());
    const auto d2 = json::parse(second.out);
    CHECK(d2["summary"]["queries"] == 0);
    CHECK(d2["summary"]["cached_answers"] == 5);
    const auto& listed = d2["targets"][0]["results"][0];
    CHECK(listed["status"] == "listed");
    CHECK(listed["cached"] == true);
    CHECK(listed["txt"] == "Listed in the cache test");
    CHECK(d2["targets"][1]["results"][0]["status"] == "clean"); // NXDOMAIN, cached by its SOA
    CHECK(d2["targets"][1]["results"][0]["cached"] == true);

    // After the TTL: asked again.
    std::this_thread::sleep_for(std::chrono::milliseconds(3100));
    const auto third = cached_check(dir, targets);
    CHECK(third.exit_code == 2);
    const auto d3 = json::parse(third.out);
    CHECK(d3["summary"]["queries"] == 5);
    CHECK(d3["summary"]["cached_answers"] == 0);
}

TEST_CASE("cache: corrupt files and an unusable directory are reported and ignored") {
    auto& f = fixture();
    const std::string dir = f.dir + "/corrupt-cache";
    REQUIRE(cached_check(dir, {"192.0.2.99"}).exit_code == 2);
    int corrupted = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        if (e.is_regular_file()) {
            write_file(e.path().string(), "\x01garbage{");
            ++corrupted;
        }
    }
    REQUIRE(corrupted == 4);
    const auto r = cached_check(dir, {"192.0.2.99"});
    CHECK(r.exit_code == 2);
    CHECK(json::parse(r.out)["targets"][0]["results"][0]["status"] == "listed");
    CHECK(json::parse(r.out)["summary"]["cached_answers"] == 0);
    CHECK(r.err.find("is corrupt (not valid JSON); ignored, asking the list") != std::string::npos);
    CHECK(r.err.find("cache: 3 more cache files were unreadable or corrupt and were ignored") !=
          std::string::npos);
    // Rewritten: the next run is served from the cache again.
    CHECK(json::parse(cached_check(dir, {"192.0.2.99"}).out)["summary"]["cached_answers"] == 4);

    write_file(f.dir + "/not-a-dir", "x");
    const auto bad = cached_check(f.dir + "/not-a-dir/cache", {"192.0.2.99"});
    CHECK(bad.exit_code == 2);
    CHECK(json::parse(bad.out)["targets"][0]["results"][0]["status"] == "listed");
    CHECK(bad.err.find("cache: " + f.dir + "/not-a-dir/cache cannot be used as a directory") !=
          std::string::npos);
}
