#include "report/json_writer.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace rblscope;

TEST_SUITE_BEGIN("report");

namespace {

std::string literal(std::string_view s) {
    fmt::memory_buffer b;
    append_json_string(b, s);
    return fmt::to_string(b);
}

} // namespace

TEST_CASE("json_writer::append_json_string") {
    CHECK(literal("plain") == "\"plain\"");
    CHECK(literal("q\"b\\") == "\"q\\\"b\\\\\"");
    CHECK(literal("a\nb\tc\r") == "\"a\\nb\\tc\\r\"");
    CHECK(literal(std::string("\x1b[31m\x00\x7f", 7)) == "\"\\u001b[31m\\u0000\\u007f\"");
    CHECK(literal("caf\xc3\xa9") == "\"caf\xc3\xa9\"");
    CHECK(literal("bad\xff") == "\"bad\xef\xbf\xbd\"");
    CHECK(literal("\xed\xa0\x80") == "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); // surrogate
    CHECK(literal("\xc3") == "\"\xef\xbf\xbd\"");                                 // truncated
}

TEST_CASE("json_writer::JsonWriter produces documents nlohmann parses back") {
    fmt::memory_buffer b;
    JsonWriter w(b);
    w.begin_object();
    w.key("s");
    w.value("x\x01y\xfe");
    w.key("n");
    w.value(-3);
    w.key("u");
    w.value(std::uint64_t{18446744073709551615u});
    w.key("t");
    w.value(true);
    w.key("z");
    w.null();
    w.key("e");
    w.string_or_null("");
    w.key("a");
    w.strings({"1", "2"});
    w.key("nested");
    w.begin_array();
    w.begin_object();
    w.end_object();
    w.begin_array();
    w.end_array();
    w.end_array();
    w.end_object();
    const auto doc = nlohmann::json::parse(fmt::to_string(b));
    CHECK(doc["s"] == "x\x01y\xef\xbf\xbd");
    CHECK(doc["n"] == -3);
    CHECK(doc["u"] == 18446744073709551615u);
    CHECK(doc["t"] == true);
    CHECK(doc["z"].is_null());
    CHECK(doc["e"].is_null());
    CHECK(doc["a"] == nlohmann::json::array({"1", "2"}));
    CHECK(doc["nested"].size() == 2);
}

TEST_SUITE_END();
