// Text strangers control, end to end: TXT reasons and PTR names holding terminal escapes,
// NUL bytes, invalid UTF-8, bidirectional overrides, HTML and a 60 KiB string, served by
// fake_dns and read through c-ares, then written in every output format. Each format must
// stay what it claims to be, checked by a real parser where one exists (Python's csv,
// promtool, nlohmann/json).

#include "integration/fixtures.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

using namespace rblscope::test;
using nlohmann::json;

namespace {

const std::string k_hostile_txt =
    R"(\x1b[2J\x1b]0;pwned\x07Listed\x00NUL \xff\xfe bad <script>alert(1)</script> )"
    R"(\xe2\x80\xaeevil "quoted", comma\nnext line)";

int hostile_dns() {
    static Server server;
    static const int port = [] {
        auto& f = fixture();
        const std::string records =
            "2.0.0.127.hostile.test\tA\t127.0.0.2\n"
            "2.0.0.127.hostile.test\tTXT\t" +
            k_hostile_txt +
            "\n"
            "99.2.0.192.hostile.test\tA\t127.0.0.2\n"
            "99.2.0.192.hostile.test\tTXT\t" +
            std::string(60000, 'A') +
            "\n"
            "99.2.0.192.in-addr.arpa\tPTR\t<img src=x onerror=alert(1)>.example\n";
        write_file(f.dir + "/hostile.records", records);
        server = Server({FAKE_DNS_BIN, "--records", f.dir + "/hostile.records"});
        const auto line = server.first_line();
        REQUIRE(line.starts_with("PORT "));
        return std::stoi(line.substr(5));
    }();
    return port;
}

RunResult check(const std::string& format) {
    return run_rblscope({"check",
                         "--resolver",
                         fmt::format("127.0.0.1:{}", hostile_dns()),
                         "--zones",
                         "hostile.test",
                         "--format",
                         format,
                         "127.0.0.2",
                         "192.0.2.99"});
}

void expect_terminal_safe(const std::string& text) {
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        CHECK_MESSAGE(((u >= 0x20 && u != 0x7f) || c == '\n'), fmt::format("byte 0x{:02x}", u));
    }
    CHECK(text.find("\xe2\x80\xae") == std::string::npos); // the right-to-left override
}

} // namespace

TEST_SUITE_BEGIN("integration");

TEST_CASE("hostile text: text and Nagios output carry no control characters") {
    for (const auto* format : {"text", "nagios"}) {
        CAPTURE(format);
        const auto r = check(format);
        CHECK(r.exit_code == 2);
        expect_terminal_safe(r.out);
        expect_terminal_safe(r.err);
        if (std::string(format) == "text") {
            CHECK(r.out.find("Listed") != std::string::npos); // the reason is still shown
        }
    }
}

TEST_CASE("hostile text: JSON stays valid and holds the reason as plain text") {
    const auto r = check("json");
    const auto doc = json::parse(r.out);
    const auto txt = result_for(doc, 0, "hostile.test")["txt"].get<std::string>();
    expect_terminal_safe(txt);
    CHECK(txt.find("Listed") != std::string::npos);
    CHECK(txt.find("NUL") != std::string::npos);
    CHECK(txt.find("\xef\xbf\xbd") != std::string::npos); // invalid bytes became U+FFFD
    CHECK(txt.find("<script>") != std::string::npos);     // data in JSON, escaped where shown
    const auto big = result_for(doc, 1, "hostile.test")["txt"].get<std::string>();
    CHECK(big.size() <= 515); // the 60 KiB reason, cut (it came over TCP: too big for UDP)
    CHECK(big.ends_with("..."));
}

TEST_CASE("hostile text: CSV has one column count, by Python's csv reader") {
    const auto r = check("csv");
    const auto parsed = run({"/usr/bin/python3",
                             "-c",
                             "import csv, sys\n"
                             "rows = list(csv.reader(sys.stdin))\n"
                             "print(len(rows), sorted({len(r) for r in rows}))\n"},
                            r.out);
    CHECK(parsed.exit_code == 0);
    CHECK(parsed.out == "3 [13]\n"); // header and two rows, 13 columns each
    CHECK(r.out.find('\x1b') == std::string::npos);
    CHECK(r.out.find('\0') == std::string::npos);
}

TEST_CASE("hostile text: Prometheus output passes promtool") {
    const auto r = check("prometheus");
    const auto lint = run({"/usr/bin/promtool", "check", "metrics"}, r.out);
    CAPTURE(lint.out);
    CAPTURE(lint.err);
    CHECK(lint.exit_code == 0);
}

TEST_CASE("hostile text: the vet HTML page shows a hostile PTR name as text") {
    auto& f = fixture();
    const auto page = f.dir + "/hostile.html";
    const auto r = run_rblscope({"vet",
                                 "--catalog",
                                 f.catalog,
                                 "--resolver",
                                 fmt::format("127.0.0.1:{}", hostile_dns()),
                                 "--zones",
                                 "hostile.test",
                                 "--html",
                                 page,
                                 "192.0.2.99"});
    CAPTURE(r.err);
    std::ifstream in(page);
    std::stringstream html;
    html << in.rdbuf();
    // c-ares writes the name in master-file form: "(" becomes "\(".
    CHECK(html.str().find("&lt;img src=x onerror=alert") != std::string::npos);
    CHECK(html.str().find("<img") == std::string::npos);
    CHECK(html.str().find("<script") == std::string::npos);
    expect_terminal_safe(r.out);
}

TEST_SUITE_END();
