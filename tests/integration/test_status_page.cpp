// serve's status page (GET /) as headless Chromium builds and draws it: a target listed
// now, one delisted yesterday (its history moved back a day), and a list that is broken.

#include "integration/serve_helpers.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>

using namespace rblscope::test;

TEST_SUITE_BEGIN("integration");

namespace {

std::unique_ptr<Server> page_zone(int port, const std::string& mode) {
    return fake_zones(port, {"page.test=" + mode, "gone.test=silent"});
}

std::vector<std::string> serve_args(const std::string& targets,
                                    int port,
                                    const std::string& history,
                                    const std::string& zones) {
    return {"--targets",
            targets,
            "--zones",
            zones,
            "--zone-server",
            fmt::format("page.test=127.0.0.1:{}", port),
            "--zone-server",
            fmt::format("gone.test=127.0.0.1:{}", port),
            "--refresh",
            "1",
            "--min-refresh",
            "1",
            "--history",
            history};
}

std::string yesterday() {
    const auto t = std::time(nullptr) - 86400;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

} // namespace

TEST_CASE("serve's status page: listed, delisted yesterday, a broken list, in Chromium") {
    const int port = free_udp_port();
    // "half" lists 192.0.2.97 and 192.0.2.99; "rfc" only 192.0.2.99.
    auto zone = page_zone(port, "half");
    const auto targets =
        write_targets("status-targets.txt", "192.0.2.98\n192.0.2.97\n192.0.2.99\n");
    const auto dir = make_temp_dir();
    const auto history = dir + "/history.db";
    const std::string listed97 = "rblscope_listed{target=\"192.0.2.97\",subject=\"192.0.2.97\","
                                 "zone=\"page.test\",list=\"page.test\"} ";
    {
        Exporter ex(serve_args(targets, port, history, "page.test"));
        REQUIRE(ex.wait_for(listed97 + "1\n", std::chrono::seconds(15)));
        zone.reset();
        zone = page_zone(port, "rfc");
        REQUIRE(ex.wait_for("rblscope_target_verdict{target=\"192.0.2.97\",verdict=\"clean\"} 1",
                            std::chrono::seconds(15)));
    }
    // What happened a minute ago happened yesterday, and the history began the day before.
    const auto moved = run({"/usr/bin/python3",
                            "-c",
                            "import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); "
                            "db.execute('UPDATE events SET at = at - 86400'); "
                            "db.execute('UPDATE refreshes SET started = started - 2*86400, "
                            "finished = finished - 2*86400'); db.commit()",
                            history});
    REQUIRE_MESSAGE(moved.exit_code == 0, moved.err);

    Exporter ex(serve_args(targets, port, history, "page.test,gone.test"));
    REQUIRE(ex.wait_for("rblscope_zone_condition{zone=\"gone.test\"", std::chrono::seconds(15)));
    REQUIRE(ex.wait_for("rblscope_exporter_refreshes_total 2", std::chrono::seconds(15)));
    const auto served = http_get(ex.base + "/");
    CHECK(served.status == 200);
    CHECK(http_get(ex.base + "/?show=nothing").status == 400);
    CHECK(http_get(ex.base + "/?page=0").status == 400);

    // Chromium parses the page (no script, nothing fetched) and prints the DOM it built.
    const auto profile = "--user-data-dir=" + dir + "/chromium-profile";
    const auto dom = run({"/usr/bin/chromium",
                          "--headless",
                          "--no-sandbox",
                          "--disable-gpu",
                          profile,
                          "--dump-dom",
                          ex.base + "/"});
    REQUIRE_MESSAGE(dom.exit_code == 0, dom.err);
    const auto row = [&](const std::string& target) {
        const auto at = dom.out.find("<tr class=\"target\" id=\"t-" + target + "\">");
        REQUIRE_MESSAGE(at != std::string::npos, target);
        return dom.out.substr(at, dom.out.find("</tr>", at) - at);
    };
    // Listed first, then the others in the targets file's order: unknown, as the broken list
    // could not say they are clean.
    const auto p99 = dom.out.find("id=\"t-192.0.2.99\"");
    CHECK(p99 < dom.out.find("id=\"t-192.0.2.98\""));
    CHECK(dom.out.find("id=\"t-192.0.2.98\"") < dom.out.find("id=\"t-192.0.2.97\""));
    const auto r99 = row("192.0.2.99");
    CHECK(contains(r99, "<span class=\"badge listed\">listed</span>"));
    CHECK(contains(r99, "<li class=\"open-listing\"><b>page.test</b> <code>127.0.0.2</code>"));
    CHECK(contains(r99, " since " + yesterday()));
    const auto r97 = row("192.0.2.97");
    CHECK(contains(r97, "<span class=\"badge unknown\">unknown</span>"));
    CHECK_FALSE(contains(r97, "open-listing"));
    CHECK(contains(r97, "<title>" + yesterday() + ": listed</title>"));
    CHECK(contains(r97, ": unknown</title></rect></svg>")); // today: as the verdict says
    const auto r98 = row("192.0.2.98");
    CHECK_FALSE(contains(r98, ": listed</title>"));
    CHECK(contains(r98, ": clean</title>"));
    CHECK(contains(r98, ": unknown</title>")); // before the history began
    CHECK(contains(dom.out, "<tr class=\"broken-zone\"><td>"));
    CHECK(contains(dom.out, "<code>gone.test</code>"));
    CHECK(contains(dom.out, "3 targets watched"));
    CHECK_FALSE(contains(dom.out, "<script"));

    // And drawn: a screenshot of the page has the listed badge's and strip's red in it.
    const auto png = dir + "/status.png";
    const auto shot = run({"/usr/bin/chromium",
                           "--headless",
                           "--no-sandbox",
                           "--disable-gpu",
                           "--hide-scrollbars",
                           profile,
                           "--window-size=1200,700",
                           "--screenshot=" + png,
                           ex.base + "/"});
    REQUIRE_MESSAGE(shot.exit_code == 0, shot.err);
    const auto colours = run({"/usr/bin/python3",
                              std::string(RBLSCOPE_SOURCE_DIR) + "/tests/responder/png_colours.py",
                              png,
                              "f28b82",
                              "d93025",
                              "34a853"});
    CAPTURE(colours.err);
    CHECK(colours.out == "f28b82 yes\nd93025 yes\n34a853 yes\n");
    std::filesystem::remove_all(dir);
}

TEST_SUITE_END();
