#include "engine/answer_cache.hpp"
#include "support/process.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

using namespace rblscope;
using std::chrono::seconds;

TEST_SUITE_BEGIN("engine");

namespace {

struct TempDir {
    std::string path = rblscope::test::make_temp_dir();
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

std::vector<std::string> cache_files(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
        if (e.is_regular_file()) {
            out.push_back(e.path().string());
        }
    }
    return out;
}

DnsReply listing(std::uint32_t ttl) {
    DnsReply r;
    r.status = DnsStatus::answered;
    r.a = {0x7f000002u};
    r.ttl = ttl;
    return r;
}

const AnswerCache::WallClock::time_point t0{seconds(1'800'000'000)};
const std::string servers = "127.0.0.1:53";
const std::string name = "2.0.0.127.bl.test";

} // namespace

TEST_CASE("answer_cache: an answer is served until its TTL runs out") {
    TempDir d;
    std::vector<std::string> warnings;
    AnswerCache cache(d.path + "/c", [&](const std::string& m) { warnings.push_back(m); });
    CHECK_FALSE(cache.get(servers, DnsChannel::Type::a, name, t0));
    cache.put(servers, DnsChannel::Type::a, name, listing(300), t0);

    const auto hit = cache.get(servers, DnsChannel::Type::a, name, t0 + seconds(100));
    REQUIRE(hit);
    CHECK(hit->cached);
    CHECK(hit->status == DnsStatus::answered);
    CHECK(hit->a == std::vector<std::uint32_t>{0x7f000002u});
    CHECK(hit->ttl == 200); // what is left of it
    // Names are compared without case, as DNS does.
    CHECK(cache.get(servers, DnsChannel::Type::a, "2.0.0.127.BL.test", t0));
    // Another server, another type: another answer.
    CHECK_FALSE(cache.get("192.0.2.53:53", DnsChannel::Type::a, name, t0));
    CHECK_FALSE(cache.get(servers, DnsChannel::Type::txt, name, t0));
    // Expired.
    CHECK_FALSE(cache.get(servers, DnsChannel::Type::a, name, t0 + seconds(300)));
    CHECK(warnings.empty());
    // The file name is a hash: the query name (which may hold a key) is not on disk.
    const auto files = cache_files(d.path + "/c");
    REQUIRE(files.size() == 1);
    CHECK(files.front().find("bl.test") == std::string::npos);
    // Private: the directories it made and the file (what you check is your business).
    namespace fs = std::filesystem;
    const auto others = fs::perms::group_all | fs::perms::others_all;
    CHECK((fs::status(d.path + "/c").permissions() & others) == fs::perms::none);
    CHECK((fs::status(fs::path(files.front()).parent_path()).permissions() & others) ==
          fs::perms::none);
    CHECK((fs::status(files.front()).permissions() & others) == fs::perms::none);
    std::ifstream in(files.front());
    const std::string content((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    CHECK(content.find("bl.test") == std::string::npos); // nor in the file
}

TEST_CASE("answer_cache: what is kept") {
    TempDir d;
    AnswerCache cache(d.path, {});
    DnsReply nx;
    nx.status = DnsStatus::nxdomain;
    cache.put(servers, DnsChannel::Type::a, "no-soa", nx, t0); // no SOA: RFC 2308 says no
    nx.negative_ttl = 60;
    cache.put(servers, DnsChannel::Type::a, "with-soa", nx, t0);
    DnsReply servfail;
    servfail.status = DnsStatus::servfail;
    cache.put(servers, DnsChannel::Type::a, "servfail", servfail, t0);
    DnsReply timeout;
    timeout.status = DnsStatus::timeout;
    cache.put(servers, DnsChannel::Type::a, "timeout", timeout, t0);
    cache.put(servers, DnsChannel::Type::a, "ttl0", listing(0), t0);
    cache.put(servers, DnsChannel::Type::a, "long", listing(7 * 86400), t0);
    DnsReply txt;
    txt.status = DnsStatus::answered;
    txt.txt = {std::string("bin\0ary \x1b[31m", 14)};
    txt.ttl = 30;
    cache.put(servers, DnsChannel::Type::txt, "txt", txt, t0);

    CHECK_FALSE(cache.get(servers, DnsChannel::Type::a, "no-soa", t0));
    const auto neg = cache.get(servers, DnsChannel::Type::a, "with-soa", t0 + seconds(10));
    REQUIRE(neg);
    CHECK(neg->status == DnsStatus::nxdomain);
    CHECK(neg->negative_ttl == 50u);
    CHECK_FALSE(cache.get(servers, DnsChannel::Type::a, "servfail", t0));
    CHECK_FALSE(cache.get(servers, DnsChannel::Type::a, "timeout", t0));
    CHECK_FALSE(cache.get(servers, DnsChannel::Type::a, "ttl0", t0));
    // TTLs are capped at a day.
    CHECK(cache.get(servers, DnsChannel::Type::a, "long", t0 + seconds(86399)));
    CHECK_FALSE(cache.get(servers, DnsChannel::Type::a, "long", t0 + seconds(86400)));
    const auto t = cache.get(servers, DnsChannel::Type::txt, "txt", t0);
    REQUIRE(t);
    CHECK(t->txt == txt.txt); // bytes kept exactly; sanitising happens at print time
}

TEST_CASE("answer_cache: corrupt files are reported once, ignored and removed") {
    TempDir d;
    std::vector<std::string> warnings;
    AnswerCache cache(d.path, [&](const std::string& m) { warnings.push_back(m); });
    cache.put(servers, DnsChannel::Type::a, "one", listing(300), t0);
    cache.put(servers, DnsChannel::Type::a, "two", listing(300), t0);
    cache.put(servers, DnsChannel::Type::a, "three", listing(300), t0);
    const auto files = cache_files(d.path);
    REQUIRE(files.size() == 3);
    std::ofstream(files[0]) << "{\"rblscope_cache\":1,\"expires\":";
    std::ofstream(files[1]) << "{\"rblscope_cache\":1,\"expires\":1800000100,\"status\":"
                               "\"answers\",\"a\":[\"127.0.0.2\"]}";
    std::ofstream(files[2]) << "{\"rblscope_cache\":1,\"expires\":1900000000,\"status\":"
                               "\"answers\",\"a\":[2130706434]}";
    for (const char* n : {"one", "two", "three"}) {
        CHECK_FALSE(cache.get(servers, DnsChannel::Type::a, n, t0));
    }
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].starts_with("cache: " + d.path + "/"));
    CHECK(warnings[0].find(" is corrupt (") != std::string::npos);
    cache.report_totals();
    REQUIRE(warnings.size() == 2);
    CHECK(warnings[1] == "cache: 2 more cache files were unreadable or corrupt and were ignored");
    CHECK(cache_files(d.path).empty());
    // A fresh answer replaces the broken one.
    cache.put(servers, DnsChannel::Type::a, "one", listing(300), t0);
    CHECK(cache.get(servers, DnsChannel::Type::a, "one", t0));
}

TEST_CASE("answer_cache: a directory that cannot be used is reported, never fatal") {
    TempDir d;
    std::ofstream(d.path + "/file") << "x";
    std::vector<std::string> warnings;
    AnswerCache cache(d.path + "/file/sub", [&](const std::string& m) { warnings.push_back(m); });
    cache.put(servers, DnsChannel::Type::a, name, listing(300), t0);
    CHECK_FALSE(cache.get(servers, DnsChannel::Type::a, name, t0));
    REQUIRE(warnings.size() == 1);
    CHECK(
        warnings[0].starts_with("cache: " + d.path + "/file/sub cannot be used as a directory ("));
}
