// [[notify]] tables in the configuration file: what is accepted, and errors that name the
// place without quoting a secret.

#include "rblscope/config.hpp"

#include <doctest/doctest.h>

using namespace rblscope;

TEST_SUITE_BEGIN("core");

TEST_CASE("notify config: every type, defaults and names") {
    const auto c = parse_config(R"([[notify]]
type = "slack"
url = "https://hooks.slack.test/services/T0/B0/secret"

[[notify]]
type = "email"
smtp_url = "smtp://mail.example.test:587"
user = "rblscope"
password_env = "SMTP_PASSWORD"
from = "rblscope@example.test"
to = ["admin@example.test", "noc@example.test"]
min_severity = "warning"
zones = ["spamhaus-zen"]

[[notify]]
type = "webhook"
name = "ops-hook"
url_env = "OPS_HOOK"
per_hour = 5
burst = 2

[[notify]]
type = "slack"
url = "https://hooks.slack.test/2"
)",
                                "config.toml");
    REQUIRE(c);
    REQUIRE(c->notifiers.size() == 4);
    CHECK(c->notifiers[0].name == "slack");
    CHECK(c->notifiers[0].min_severity == "info");
    CHECK(c->notifiers[1].type == NotifierConfig::Type::email);
    CHECK(c->notifiers[1].to.size() == 2);
    CHECK(c->notifiers[1].starttls);
    CHECK(c->notifiers[1].password_env == "SMTP_PASSWORD");
    CHECK(c->notifiers[1].zones == std::vector<std::string>{"spamhaus-zen"});
    CHECK(c->notifiers[2].name == "ops-hook");
    CHECK(c->notifiers[2].per_hour == 5);
    CHECK(c->notifiers[3].name == "slack-2"); // two unnamed of a type are told apart
}

TEST_CASE("notify config: mistakes are named with their place, secrets never quoted") {
    const auto error_of = [](const std::string& text) {
        const auto c = parse_config(text, "c.toml");
        REQUIRE_FALSE(c);
        return c.error().to_string();
    };
    CHECK(error_of("[[notify]]\ntype = \"pager\"\nurl = \"https://x.test\"\n")
              .find("notify[1].type must be one of webhook, slack, mattermost, teams, email") !=
          std::string::npos);
    const auto both = error_of("[[notify]]\ntype = \"slack\"\nurl = \"https://s3cret.test\"\n"
                               "url_env = \"X\"\n");
    CHECK(both.find("give the webhook's url or url_env") != std::string::npos);
    CHECK(both.find("s3cret") == std::string::npos);
    CHECK(error_of("[[notify]]\ntype = \"email\"\nsmtp_url = \"smtp://m.test\"\n"
                   "from = \"a@b.test\"\nto = \"x@y.test\\r\\nBcc: z@evil.test\"\n")
              .find("holds a control character") != std::string::npos);
    CHECK(error_of("[[notify]]\ntype = \"email\"\nsmtp_url = \"smtp://m.test\"\n"
                   "from = \"a@b.test\"\nto = \"x@y.test, z@evil.test\"\n")
              .find("is not one address") != std::string::npos);
    const auto clear = error_of("[[notify]]\ntype = \"email\"\nsmtp_url = \"smtp://m.test\"\n"
                                "starttls = false\nuser = \"u\"\npassword = \"hunter2\"\n"
                                "from = \"a@b.test\"\nto = \"x@y.test\"\n");
    CHECK(clear.find("clear text") != std::string::npos);
    CHECK(clear.find("hunter2") == std::string::npos);
    CHECK(clear.find("c.toml:1:1") != std::string::npos);
    CHECK(error_of("[[notify]]\ntype = \"slack\"\nurl = \"https://x.test\"\nto = \"a@b.test\"\n")
              .find("notify[1].to is for type = \"email\" only") != std::string::npos);
    CHECK(error_of("[[notify]]\ntype = \"slack\"\nurl = \"https://x.test\"\nchannel = \"#x\"\n")
              .find("unknown key 'channel' in notify[1]") != std::string::npos);
    CHECK(error_of("notify = 1\n").find("[[notify]] tables") != std::string::npos);
    // A relay on this host may speak no TLS.
    CHECK(parse_config("[[notify]]\ntype = \"email\"\nsmtp_url = \"smtp://127.0.0.1:25\"\n"
                       "starttls = false\nuser = \"u\"\npassword = \"p\"\n"
                       "from = \"a@b.test\"\nto = \"x@y.test\"\n",
                       "c.toml"));
}

TEST_SUITE_END();
