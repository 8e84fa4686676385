#include "sources/adapter.hpp"
#include "sources/google_auth.hpp"
#include "unit/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sys/stat.h>

using namespace rblscope;
using nlohmann::json;

namespace {

struct KeyPair {
    std::string private_pem;
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr, &EVP_PKEY_free};
};

KeyPair make_rsa_key() {
    KeyPair pair;
    pair.key.reset(EVP_RSA_gen(2048));
    REQUIRE(pair.key);
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
    REQUIRE(PEM_write_bio_PrivateKey(
                bio.get(), pair.key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    pair.private_pem.assign(data, static_cast<std::size_t>(size));
    return pair;
}

std::string base64url_decode(std::string text) {
    for (auto& c : text) {
        c = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    while (text.size() % 4 != 0) {
        text += '=';
    }
    std::string out(text.size(), '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    REQUIRE(n >= 0);
    out.resize(static_cast<std::size_t>(n) - (text.ends_with("==")  ? 2
                                              : text.ends_with("=") ? 1
                                                                    : 0));
    return out;
}

std::string key_file_text(const std::string& pem) {
    return json{{"type", "service_account"},
                {"private_key_id", "kid-1"},
                {"private_key", pem},
                {"client_email", "sa@project.iam.gserviceaccount.com"}}
        .dump();
}

HttpResponse response(long status, std::string body) {
    HttpResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

Zone postmaster_zone() {
    Zone z;
    z.adapter = "google-postmaster";
    z.kind = ZoneKind::http;
    z.http_domains = true;
    z.params = {{"spam_rate_warning", 0.001}, {"spam_rate_critical", 0.003}, {"days", 7}};
    return z;
}

} // namespace

TEST_SUITE_BEGIN("sources");

TEST_CASE("google: the JWT is signed RS256 with the account's key and asks for one hour") {
    const auto pair = make_rsa_key();
    const auto account = google::parse_service_account(key_file_text(pair.private_pem), "sa.json");
    REQUIRE(account);
    const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000));
    const auto jwt = google::make_assertion(
        *account, "https://www.googleapis.com/auth/x", "https://oauth2.example/token", now);
    REQUIRE(jwt);
    const auto first = jwt->find('.');
    const auto second = jwt->find('.', first + 1);
    REQUIRE(second != std::string::npos);
    CHECK(jwt->find_first_of("+/=") == std::string::npos); // base64url without padding
    const auto header = json::parse(base64url_decode(jwt->substr(0, first)));
    CHECK(header == json{{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "kid-1"}});
    const auto claims = json::parse(base64url_decode(jwt->substr(first + 1, second - first - 1)));
    CHECK(claims["iss"] == "sa@project.iam.gserviceaccount.com");
    CHECK(claims["scope"] == "https://www.googleapis.com/auth/x");
    CHECK(claims["aud"] == "https://oauth2.example/token");
    CHECK(claims["iat"] == 1'800'000'000);
    CHECK(claims["exp"] == 1'800'003'600);

    // The signature verifies with the public half over "header.claims".
    const auto signing_input = jwt->substr(0, second);
    const auto signature = base64url_decode(jwt->substr(second + 1));
    const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                      &EVP_MD_CTX_free);
    REQUIRE(EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pair.key.get()) == 1);
    CHECK(EVP_DigestVerify(ctx.get(),
                           reinterpret_cast<const unsigned char*>(signature.data()),
                           signature.size(),
                           reinterpret_cast<const unsigned char*>(signing_input.data()),
                           signing_input.size()) == 1);

    const auto request = google::token_request("https://oauth2.example/token", *jwt);
    REQUIRE(request.post_body);
    CHECK(request.post_body->starts_with(
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=ey"));
}

TEST_CASE("google: key files that are not a service account's, never quoted") {
    const auto error = [](const std::string& text) {
        const auto r = google::parse_service_account(text, "k.json");
        REQUIRE_FALSE(r);
        return r.error().to_string();
    };
    CHECK(error("not json") ==
          "k.json: not a JSON key file (download a JSON key for the service account)");
    CHECK(error(R"({"type":"authorized_user","private_key":"-----BEGIN PRIVATE KEY-----"})") ==
          "k.json: not a service account's key (\"type\" is \"authorized_user\", expected "
          "\"service_account\")");
    CHECK(error(R"({"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----"})") ==
          "k.json: the key file has no \"client_email\" or no \"private_key\"");
    const auto account = google::parse_service_account(
        R"({"type":"service_account","client_email":"a@b","private_key":"-----BEGIN x"})", "k");
    REQUIRE(account);
    const auto jwt = google::make_assertion(*account, "s", "https://t", {});
    REQUIRE_FALSE(jwt);
    CHECK(jwt.error().to_string() ==
          "the key file's \"private_key\" is not an RSA private key in PEM");
}

TEST_CASE("google: a key file others can read is refused before it is read") {
    test::TempDir dir;
    const auto path = dir.path + "/sa.json";
    std::ofstream(path) << key_file_text("-----BEGIN PRIVATE KEY-----\nxyz\n");
    ::chmod(path.c_str(), 0640);
    auto r = google::load_service_account(path);
    REQUIRE_FALSE(r);
    CHECK(r.error().to_string() == path + ": the key file is readable by others (mode 0640): it "
                                          "holds a private key; chmod 600 it");
    ::chmod(path.c_str(), 0600);
    r = google::load_service_account(path);
    REQUIRE(r);
    CHECK(r->client_email == "sa@project.iam.gserviceaccount.com");
    CHECK_FALSE(google::load_service_account(dir.path + "/none.json"));
}

TEST_CASE("google: the token endpoint's answers") {
    const auto now = std::chrono::steady_clock::now();
    auto token = google::read_token_response(
        response(200, R"({"access_token":"ya29.x","expires_in":3599,"token_type":"Bearer"})"), now);
    REQUIRE(token);
    CHECK(token->value == "ya29.x");
    CHECK(token->expires == now + std::chrono::seconds(3599 - 60));
    token = google::read_token_response(
        response(400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})"),
        now);
    REQUIRE_FALSE(token);
    CHECK(token.error().message ==
          "the token request was refused: HTTP 400, invalid_grant: Invalid JWT Signature.");
    CHECK_FALSE(google::read_token_response(
        response(200, R"({"access_token":"a b","expires_in":9})"), now));
    CHECK_FALSE(google::read_token_response(response(200, R"({"access_token":"x"})"), now));

    google::remember_token("k", {"t1", std::chrono::steady_clock::now() + std::chrono::hours(1)});
    CHECK(google::cached_token("k") == "t1");
    google::forget_token("k");
    CHECK_FALSE(google::cached_token("k"));
    google::remember_token("k", {"t2", std::chrono::steady_clock::now()});
    CHECK_FALSE(google::cached_token("k")); // expired
}

TEST_CASE("google-postmaster: the domain statistics read against the catalog's thresholds") {
    const auto* adapter = find_adapter("google-postmaster");
    REQUIRE(adapter);
    const auto zone = postmaster_zone();
    const auto read = [&](long status, const std::string& body) {
        return read_response(*adapter, zone, response(status, body), "tok3n");
    };
    const auto day = [](int d, const char* metric, const std::string& value) {
        return fmt::format(
            R"({{"metric":"{}","date":{{"year":2026,"month":11,"day":{}}},"value":{}}})",
            metric,
            d,
            value);
    };
    // An intValue is a decimal string; values outside 0..1 and rows without a date are left.
    auto r = read(200,
                  R"({"domainStats":[)" + day(3, "spam_rate", R"({"floatValue":0.003})") + "," +
                      day(4, "spam_rate", R"({"doubleValue":7})") + "," +
                      R"({"metric":"spam_rate","value":{"doubleValue":0.5}}]})");
    CHECK(r.status == Status::listed);
    CHECK(r.severity == Severity::critical);
    CHECK(r.meaning.starts_with("user-reported spam rate 0.3 % on 2026-11-03: at or above"));
    r = read(200, R"({"domainStats":[)" + day(3, "spam_rate", R"({"intValue":"0"})") + "]}");
    CHECK(r.status == Status::clean);
    CHECK(r.meaning == "user-reported spam rate 0 % on 2026-11-03 (Google's target: below 0.1 %)");
    CHECK(read(200, "{}").status == Status::skipped); // no data: Google sends no domainStats
    // Only the metrics asked for are read: a name from the answer never becomes a fact.
    r = read(200,
             R"({"domainStats":[)" + day(3, "spam_rate", R"({"doubleValue":0.0001})") + "," +
                 day(3, "evil\\u001b[31m", R"({"doubleValue":0.5})") + "]}");
    REQUIRE(r.status == Status::clean);
    CHECK(r.facts == std::vector<std::pair<std::string, std::string>>{{"date", "2026-11-03"},
                                                                      {"spam_rate", "0.0001"}});
    CHECK(read(200, "[]").status == Status::error);
    r = read(200, "{\"domainStats\":[{\"metric\":");
    CHECK(r.status == Status::error);
    CHECK(r.error.starts_with("the answer is not JSON: "));
    HttpResponse quota = response(429, R"({"error":{"code":429,"status":"RESOURCE_EXHAUSTED"}})");
    quota.retry_after_s = 30;
    r = read_response(*adapter, zone, quota, "tok3n");
    CHECK(r.status == Status::error);
    CHECK(r.error == "HTTP 429: the Postmaster Tools API quota is used up (retry after 30 s)");
    r = read(400,
             R"({"error":{"code":400,"message":"bad filter tok3n","status":"INVALID_ARGUMENT"}})");
    CHECK(r.error == "HTTP 400: INVALID_ARGUMENT: bad filter [key]");
}
