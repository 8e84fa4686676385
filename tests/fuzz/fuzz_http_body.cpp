// HTTP reputation sources: each adapter's response reader (JSON APIs, SNDS CSV, Spamhaus
// DROP / ASN-DROP NDJSON) on arbitrary status codes and bodies.
// Input: [adapter byte][HTTP status byte][4 address bytes][body][\0 second body...]
// (bulk lists: the downloaded file, then for two-step sources the per-address response).
// Invariants: texts are printable and never hold the API key; a listing never comes from
// a non-2xx response. For google-postmaster the body is also read as an OAuth token answer
// and as a service account's key file: errors printable, never quoting the body's secrets.

#include "fuzz_support.hpp"
#include "rblscope/catalog.hpp"
#include "sources/adapter.hpp"
#include "sources/google_auth.hpp"

#include <array>

using namespace rblscope;

namespace {

constexpr std::string_view k_key = "Fuzz3dAp1K3yValue";

void check_reading(const SourceReading& r, long status) {
    fuzz::expect_printable(r.meaning, "meaning");
    fuzz::expect_printable(r.error, "error");
    for (const auto* text : {&r.meaning, &r.error}) {
        if (text->find(k_key) != std::string::npos) {
            fuzz::fail("the key leaked", *text);
        }
    }
    for (const auto& [name, value] : r.facts) {
        fuzz::expect_printable(name, "fact name");
        fuzz::expect_printable(value, "fact value");
        if (value.find(k_key) != std::string::npos) {
            fuzz::fail("the key leaked", value);
        }
    }
    if (r.status == Status::listed && (status < 200 || status > 299)) {
        fuzz::fail("listed from a failed response", r.meaning);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::FuzzInput in(data, size);
    const auto& names = http_adapter_names();
    const HttpAdapter* adapter = find_adapter(names[in.byte() % names.size()]);
    constexpr std::array statuses{
        200L, 200L, 200L, 204L, 301L, 400L, 401L, 403L, 404L, 429L, 500L, 503L, 0L};
    const long status = statuses[in.byte() % statuses.size()];
    const auto a = in.byte(), b = in.byte(), c = in.byte(), d = in.byte();
    const IpAddress ip = IpAddress::v4(a, b, c, d);
    const std::string key(k_key);
    Zone zone;
    zone.adapter = std::string(adapter->name);
    zone.params = {{"spam_rate_warning", 0.001}, {"spam_rate_critical", 0.003}, {"days", 7}};

    if (adapter->bulk != nullptr) {
        const std::string_view file = in.field('\0');
        auto blocks = parse_bulk(*adapter, file, "fuzz-list", key);
        if (!blocks) {
            fuzz::expect_printable(blocks.error().to_string(), "list error");
            if (blocks.error().to_string().find(k_key) != std::string::npos) {
                fuzz::fail("the key leaked", blocks.error().to_string());
            }
            return 0;
        }
        for (const auto& block : blocks.value()) {
            fuzz::expect_printable(block.text, "block text");
            fuzz::expect_printable(block.label, "block label");
            for (const auto& f : block.fields) {
                fuzz::expect_printable(f, "block field");
            }
        }
        if (adapter->bulk->match != nullptr) {
            check_reading(match_bulk(*adapter, blocks.value(), ip, key), 200);
        }
        if (adapter->read_with != nullptr) {
            HttpResponse response;
            response.status = status;
            response.body = std::string(in.rest());
            check_reading(read_response(*adapter, zone, response, key, &blocks.value()), status);
        }
        return 0;
    }

    HttpResponse response;
    response.status = status;
    response.body = std::string(in.rest());
    response.content_type = "application/json";
    check_reading(read_response(*adapter, zone, response, key), status);
    if (!adapter->oauth_scope.empty()) {
        auto token = google::read_token_response(response, std::chrono::steady_clock::now());
        if (!token) {
            fuzz::expect_printable(token.error().to_string(), "token error");
        }
        auto account = google::parse_service_account(response.body, "key.json");
        if (!account) {
            fuzz::expect_printable(account.error().to_string(), "key file error");
        }
    }
    return 0;
}
