#include "engine/classify.hpp"
#include "engine/zone_health.hpp"
#include "rblscope/verdict.hpp"

#include <doctest/doctest.h>

using namespace rblscope;

TEST_SUITE_BEGIN("engine");

namespace {

Zone spamhaus_like() {
    auto cat = parse_catalog(R"(
[[zone]]
id = "z"
zone = "zen.test"
kind = "both"
refusal_hint = "use your own resolver"
codes = [
  { code = "127.0.0.2", meaning = "SBL" },
  { code = "127.0.0.10", meaning = "PBL", severity = "warning" },
  { code = "127.255.255.254", meaning = "public resolver", severity = "error" },
]
)",
                             "t");
    REQUIRE(cat);
    return cat->zones.front();
}

RawAnswer answers(std::initializer_list<std::uint32_t> a) {
    RawAnswer r;
    r.kind = RawAnswer::Kind::answers;
    r.a = a;
    return r;
}

RawAnswer of(RawAnswer::Kind k) {
    RawAnswer r;
    r.kind = k;
    return r;
}

} // namespace

TEST_CASE("classify::statuses are never turned into one another") {
    const Zone z = spamhaus_like();
    const ZoneHealth healthy{ZoneHealth::State::healthy, ""};
    SUBCASE("listing") {
        auto r = classify(z, answers({0x7f000002u}), healthy);
        CHECK(r.status == Status::listed);
        CHECK(r.severity == Severity::critical);
        CHECK(r.meaning == "SBL");
        CHECK(r.codes == std::vector<std::string>{"127.0.0.2"});
    }
    SUBCASE("several codes: the worst severity wins, meanings joined") {
        auto r = classify(z, answers({0x7f00000au, 0x7f000002u}), healthy);
        CHECK(r.severity == Severity::critical);
        CHECK(r.meaning == "SBL; PBL");
    }
    SUBCASE("error code is an error, never a listing") {
        auto r = classify(z, answers({0x7ffffffeu}), healthy);
        CHECK(r.status == Status::error);
        CHECK(r.error == "error code 127.255.255.254: public resolver (use your own resolver)");
    }
    SUBCASE("127.255.255.0/24 is an error on every zone, documented or not") {
        auto r = classify(z, answers({0x7ffffffdu}), healthy);
        CHECK(r.status == Status::error);
        CHECK(r.error == "error code 127.255.255.253 (127.255.255.0/24 is for errors, not "
                         "listings): the list refused or rate-limited the query (use your own "
                         "resolver)");
        const Zone bare = make_bare_zone("any.example");
        CHECK(classify(bare, answers({0x7ffffffeu}), healthy).status == Status::error);
        CHECK(classify(bare, answers({0x7f000002u}), healthy).status == Status::listed);
    }
    SUBCASE("a code in 127.255.255.0/24 is a listing only where the catalog names it so") {
        auto cat = parse_catalog(R"(
[[zone]]
id = "odd"
zone = "odd.test"
kind = "ip4"
codes = [
  { code = "127.255.255.1", meaning = "listed in the odd way" },
  { code = "127.0.0.0/8", meaning = "listed" },
  { bit = 1, meaning = "bit one" },
]
)",
                                 "t");
        REQUIRE(cat);
        const Zone& odd = cat->zones.front();
        CHECK(classify(odd, answers({0x7fffff01u}), healthy).status == Status::listed);
        // The CIDR rule and the bit cover .255 too, but they do not make it a listing.
        CHECK(classify(odd, answers({0x7fffffffu}), healthy).status == Status::error);
    }
    SUBCASE("answer outside 127/8 is an error") {
        auto r = classify(z, answers({0x5bc3f075u}), healthy);
        CHECK(r.status == Status::error);
        CHECK(r.error.starts_with("answer 91.195.240.117 is outside 127.0.0.0/8"));
    }
    SUBCASE("undocumented code is still a listing") {
        auto r = classify(z, answers({0x7f000063u}), healthy);
        CHECK(r.status == Status::listed);
        CHECK(r.meaning == "code 127.0.0.99 (not documented in the catalog)");
    }
    SUBCASE("NXDOMAIN is clean") {
        CHECK(classify(z, of(RawAnswer::Kind::nxdomain), healthy).status == Status::clean);
    }
    SUBCASE("timeout is never clean") {
        auto t = of(RawAnswer::Kind::timeout);
        t.detail = "no answer within 1.5 s (2 queries sent)";
        auto r = classify(z, t, healthy);
        CHECK(r.status == Status::timeout);
        CHECK(r.error == "no answer within 1.5 s (2 queries sent)");
    }
    SUBCASE("SERVFAIL and REFUSED are errors") {
        CHECK(classify(z, of(RawAnswer::Kind::servfail), healthy).status == Status::error);
        CHECK(classify(z, of(RawAnswer::Kind::refused), healthy).error ==
              "REFUSED: the name server refused the query (use your own resolver)");
    }
}

TEST_CASE("classify::the shipped catalog reads answers as the lists mean them") {
    auto cat = load_catalog(RBLSCOPE_CATALOG_FILE);
    REQUIRE(cat);
    const ZoneHealth healthy{ZoneHealth::State::healthy, ""};
    const auto read = [&](const char* id, std::initializer_list<std::uint32_t> a) {
        const Zone* z = cat->find(id);
        REQUIRE(z != nullptr);
        return classify(*z, answers(a), healthy);
    };
    // DNSWL: trust none earns nothing, .255 and category 10 with trust are its blocked answers.
    CHECK(read("dnswl", {0x7f000500u}).severity == Severity::info);
    CHECK(read("dnswl", {0x7f000a00u}).severity == Severity::info); // its own test point
    CHECK(read("dnswl", {0x7f000503u}).severity == Severity::allow);
    CHECK(read("dnswl", {0x7f000a03u}).status == Status::error);
    CHECK(read("dnswl", {0x7f0003ffu}).status == Status::error);
    CHECK(read("dnswl", {0x7f0000ffu}).status == Status::error);
    // IADB answers several codes; the accreditation decides, facts about SPF do not spoil it.
    const auto iadb = read("isipp-iadb", {0x7f000001u, 0x7f02ff01u, 0x7f03640au});
    CHECK(iadb.status == Status::listed);
    CHECK(iadb.severity == Severity::allow);
    CHECK(read("isipp-iadb", {0x7f02ff01u}).severity == Severity::info);
    CHECK(read("isipp-iadb", {0x7f036402u}).severity == Severity::info); // opt-in level 2
    CHECK(read("isipp-iadb", {0x7f090909u}).severity == Severity::info); // not all of 127/8
    // DKIMWL's blocked sender is a warning, never an allowlisting.
    CHECK(read("dkimwl", {0x7f000200u}).severity == Severity::warning);
    CHECK(read("dkimwl", {0x7f000205u}).severity == Severity::allow);
    // ZEN's reserved XBL codes and the BCL, DBL's abused-legit code.
    CHECK(read("spamhaus-zen", {0x7f000006u}).meaning.starts_with("XBL"));
    CHECK(read("spamhaus-zen", {0x7f00001eu}).meaning.starts_with("BCL"));
    CHECK(read("spamhaus-dbl", {0x7f000166u}).severity == Severity::critical);
    CHECK(read("spamhaus-dbl", {0x7f000167u}).severity == Severity::warning);
    // A reputation zone's undocumented 127.255.255.x answer is an error, not a listing.
    CHECK(read("mailspike-rep", {0x7ffffffeu}).status == Status::error);
    // What the catalog turns on and tests.
    CHECK_FALSE(cat->find("uceprotect-2")->enabled_by_default);
    CHECK_FALSE(cat->find("uceprotect-3")->enabled_by_default);
    CHECK(cat->find("uceprotect-1")->enabled_by_default);
    CHECK(cat->find("mailspike-rep")->test_unlisted->subject == "127.0.0.1");
    CHECK(cat->find("mailspike-bl")->takes(IpAddress::Family::v6));
    CHECK(cat->find("hostkarma")->takes(IpAddress::Family::v6));
    CHECK(cat->find("surbl-hashbl")->hash == "md5-hex");
}

TEST_CASE("classify::assess_health") {
    const Zone z = spamhaus_like();
    SUBCASE("healthy") {
        auto pos = answers({0x7f000002u});
        auto neg = of(RawAnswer::Kind::nxdomain);
        CHECK(assess_health(z, {&*z.test_listed, &pos}, {&*z.test_unlisted, &neg}).state ==
              ZoneHealth::State::healthy);
    }
    SUBCASE("a zone that lists 127.0.0.1 lists everything: its listings become errors") {
        auto pos = answers({0x7f000002u});
        auto neg = answers({0x7f000002u});
        auto h = assess_health(z, {&*z.test_listed, &pos}, {&*z.test_unlisted, &neg});
        REQUIRE(h.state == ZoneHealth::State::lists_everything);
        auto r = classify(z, answers({0x7f000002u}), h);
        CHECK(r.status == Status::error);
        CHECK(r.error == "the zone lists everything: its test point 127.0.0.1 (which must not be "
                         "listed) answered 127.0.0.2");
    }
    SUBCASE("a zone that misses its positive point cannot say clean") {
        auto pos = of(RawAnswer::Kind::nxdomain);
        auto neg = of(RawAnswer::Kind::nxdomain);
        auto h = assess_health(z, {&*z.test_listed, &pos}, {&*z.test_unlisted, &neg});
        REQUIRE(h.state == ZoneHealth::State::misses_positive);
        auto r = classify(z, of(RawAnswer::Kind::nxdomain), h);
        CHECK(r.status == Status::error);
        CHECK(r.error.find("did not list its own test point 127.0.0.2") != std::string::npos);
        // A real listing from such a zone is still a listing.
        CHECK(classify(z, answers({0x7f000002u}), h).status == Status::listed);
    }
    SUBCASE("an error code at the negative point is not 'lists everything'") {
        auto neg = answers({0x7ffffffeu});
        CHECK(assess_health(z, {}, {&*z.test_unlisted, &neg}).state !=
              ZoneHealth::State::lists_everything);
    }
}

TEST_CASE("verdict::decide") {
    Zone block = spamhaus_like();
    Zone allow = block;
    allow.role = ZoneRole::allow;
    auto result = [](const Zone& z, Status s, Severity sev = Severity::critical) {
        ZoneResult r;
        r.zone = &z;
        r.status = s;
        r.severity = sev;
        return r;
    };
    TargetReport rep;
    SUBCASE("clean") {
        rep.results = {result(block, Status::clean), result(block, Status::clean)};
        decide(rep);
        CHECK(rep.verdict == Verdict::clean);
        CHECK(exit_code_for(rep) == ExitCode::ok);
    }
    SUBCASE("an error makes it unknown, not clean") {
        rep.results = {result(block, Status::clean), result(block, Status::timeout)};
        decide(rep);
        CHECK(rep.verdict == Verdict::unknown);
        CHECK(exit_code_for(rep) == ExitCode::unknown);
    }
    SUBCASE("a listing wins over errors") {
        rep.results = {result(block, Status::listed), result(block, Status::error)};
        decide(rep);
        CHECK(rep.verdict == Verdict::listed);
        CHECK(exit_code_for(rep) == ExitCode::critical);
    }
    SUBCASE("policy-only listings are a warning") {
        rep.results = {result(block, Status::listed, Severity::warning),
                       result(block, Status::clean)};
        decide(rep);
        CHECK(rep.verdict == Verdict::listed);
        CHECK(exit_code_for(rep) == ExitCode::warning);
    }
    SUBCASE("allowlist hits never make a target listed") {
        rep.results = {result(allow, Status::listed, Severity::allow),
                       result(block, Status::clean)};
        decide(rep);
        CHECK(rep.verdict == Verdict::clean);
        CHECK(rep.allowed == 1);
    }
    SUBCASE("worst_of orders CRITICAL > WARNING > UNKNOWN > OK") {
        CHECK(worst_of(ExitCode::unknown, ExitCode::warning) == ExitCode::warning);
        CHECK(worst_of(ExitCode::ok, ExitCode::unknown) == ExitCode::unknown);
        CHECK(worst_of(ExitCode::critical, ExitCode::unknown) == ExitCode::critical);
    }
}

TEST_CASE("classify::expand_delist_url") {
    CHECK(expand_delist_url("https://x/?q={ip}", "192.0.2.1") == "https://x/?q=192.0.2.1");
    CHECK(expand_delist_url("https://x/{domain}/{domain}", "a b&c") ==
          "https://x/a%20b%26c/a%20b%26c");
}

TEST_CASE("zone_health: judge_zone names the condition and the catalog edit") {
    auto z = spamhaus_like();
    z.status = ZoneStatus::active;
    const TestPoint pos{"127.0.0.2"}, neg{"127.0.0.1"};
    const auto judge = [&](const RawAnswer& p, const RawAnswer& n) {
        return judge_zone(z, {&pos, &p}, {&neg, &n});
    };
    const auto listed = answers({0x7f000002u});
    const auto nx = of(RawAnswer::Kind::nxdomain);
    const auto timeout = of(RawAnswer::Kind::timeout);

    auto r = judge(listed, nx);
    CHECK(r.condition == ZoneCondition::healthy);
    CHECK_FALSE(r.suggested_status); // active and healthy: nothing to edit
    REQUIRE(r.points.size() == 2);
    CHECK(r.points[1].answer == "NXDOMAIN");

    r = judge(listed, listed);
    CHECK(r.condition == ZoneCondition::lists_everything);
    CHECK(r.suggested_status == ZoneStatus::lists_everything);

    r = judge(answers({0xc0000201u}), nx); // 192.0.2.1: a parked domain's wildcard
    CHECK(r.condition == ZoneCondition::outside_127);
    CHECK(r.suggested_status == ZoneStatus::defunct);

    r = judge(answers({0x7ffffffeu}), answers({0x7ffffffeu})); // the error code
    CHECK(r.condition == ZoneCondition::refuses);
    CHECK(r.evidence.find("public resolver") != std::string::npos);
    CHECK_FALSE(r.suggested_status);

    r = judge(nx, nx);
    CHECK(r.condition == ZoneCondition::refuses);
    CHECK(r.evidence.find("use your own resolver") != std::string::npos);

    r = judge(listed, timeout);
    CHECK(r.condition == ZoneCondition::no_answer);
    CHECK(r.suggested_status == ZoneStatus::defunct);

    z.status = ZoneStatus::defunct;
    r = judge(listed, nx);
    CHECK(r.suggested_status == ZoneStatus::active); // it came back

    // The worse pair decides for a "both" zone.
    z.status = ZoneStatus::active;
    const TestPoint pos6{"::ffff:7f00:2"}, neg6{"::ffff:7f00:1"};
    r = judge_zone(z, {&pos, &listed}, {&neg, &nx}, {&pos6, &listed}, {&neg6, &listed});
    CHECK(r.condition == ZoneCondition::lists_everything);
    CHECK(r.points.size() == 4);
}

TEST_SUITE_END();
