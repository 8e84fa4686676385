// load_serve_setup(): serve's setup from files, as at start and on every SIGHUP: the
// catalog, the refresh zones, the targets file (bad lines logged and skipped, blocks
// expanded, repeats dropped, the --max-targets cap) and bad options as the Error.

#include "rblscope/serve.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

using namespace rblscope;

TEST_SUITE_BEGIN("serve");

namespace {

namespace fs = std::filesystem;

/// A directory of its own with the catalog, a configuration file and a targets file.
struct SetupFiles {
    fs::path dir;
    ServeSetupFiles files;
    std::vector<std::pair<ServeLogLevel, std::string>> lines;

    SetupFiles() {
        std::string name = (fs::temp_directory_path() / "rblscope-setup-XXXXXX").string();
        REQUIRE(::mkdtemp(name.data()) != nullptr);
        dir = name;
        write("lists.toml", R"(
[[zone]]
id = "a"
zone = "a.test"
kind = "ip4"
default = true
)");
        write("config.toml", "");
        fs::permissions(dir / "config.toml", fs::perms::owner_read | fs::perms::owner_write);
        files.catalog = (dir / "lists.toml").string();
        files.override_dir = (dir / "no-lists.d").string();
        files.lookup.config_file = (dir / "config.toml").string();
        files.targets_file = (dir / "targets").string();
    }
    SetupFiles(const SetupFiles&) = delete;
    SetupFiles& operator=(const SetupFiles&) = delete;
    ~SetupFiles() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(dir / name) << text;
    }
    Result<std::shared_ptr<const ServeSetup>> load() {
        lines.clear();
        return load_serve_setup(files, [this](ServeLogLevel level, const std::string& line) {
            lines.emplace_back(level, line);
        });
    }
};

std::vector<std::string> texts(const ServeSetup& setup) {
    std::vector<std::string> out;
    for (const auto& t : setup.targets) {
        out.push_back(t.text);
    }
    return out;
}

} // namespace

TEST_CASE("serve setup: targets file lines, blocks, repeats and bad lines") {
    SetupFiles f;
    f.write("targets",
            "# watched\n192.0.2.1\n  192.0.2.1  # again\nnot an address!\n198.51.100.0/31\n"
            "mail.example.org\n");
    auto setup = f.load();
    REQUIRE_MESSAGE(setup, (setup ? "" : setup.error().to_string()));
    CHECK(texts(**setup) == std::vector<std::string>{
                                "192.0.2.1", "198.51.100.0", "198.51.100.1", "mail.example.org"});
    CHECK(setup.value()->targets[1].where.ends_with("targets:5"));
    CHECK(setup.value()->refresh.zones.size() == 1);
    CHECK(setup.value()->modules.count("") == 1);
    REQUIRE(f.lines.size() == 1);
    CHECK(f.lines[0].first == ServeLogLevel::error);
    CHECK(f.lines[0].second.find("targets:4: ") != std::string::npos);
    CHECK(f.lines[0].second.ends_with("(line skipped)"));
}

TEST_CASE("serve setup: a targets file from Windows and a log: BOM, CRLF, ports, UTF-16") {
    SetupFiles f;
    f.write("targets",
            "\xEF\xBB\xBF"
            "192.0.2.1\r\n[2001:db8::1]:25\r\n");
    auto setup = f.load();
    REQUIRE_MESSAGE(setup, (setup ? "" : setup.error().to_string()));
    CHECK(texts(**setup) == std::vector<std::string>{"192.0.2.1", "[2001:db8::1]:25"});
    CHECK(setup.value()->targets[1].ip.to_string() == "2001:db8::1");
    REQUIRE(f.lines.size() == 1);
    CHECK(f.lines[0].first == ServeLogLevel::warning);
    CHECK(
        f.lines[0].second.ends_with("targets:2: watched as 2001:db8::1: the port 25 was ignored"));

    SetupFiles wide;
    wide.write("targets",
               std::string("\xFF\xFE"
                           "1\0"
                           "9\0"
                           "2\0",
                           8));
    auto refused = wide.load();
    REQUIRE(refused);
    CHECK(refused.value()->targets.empty());
    REQUIRE_FALSE(wide.lines.empty());
    CHECK(wide.lines[0].second.find("file is UTF-16: save it as UTF-8") != std::string::npos);
}

TEST_CASE("serve setup: the caps on blocks and targets") {
    SetupFiles f;
    f.files.lookup.max_addresses = 2;
    f.files.max_targets = 3;
    f.write("targets", "192.0.2.0/30\n192.0.2.8/31\n192.0.2.20\n192.0.2.21\n");
    auto setup = f.load();
    REQUIRE(setup);
    CHECK(texts(**setup) == std::vector<std::string>{"192.0.2.8", "192.0.2.9", "192.0.2.20"});
    REQUIRE(f.lines.size() == 2);
    CHECK(f.lines[0].second.find("larger than --max-addresses 2") != std::string::npos);
    CHECK(f.lines[1].second.find("more than --max-targets 3") != std::string::npos);
}

TEST_CASE("serve setup: no targets is a warning; bad files and options are the error") {
    SetupFiles f;
    f.files.targets_file.clear();
    auto none = f.load();
    REQUIRE(none);
    CHECK(none.value()->targets.empty());
    REQUIRE(f.lines.size() == 1);
    CHECK(f.lines[0].first == ServeLogLevel::warning);
    CHECK(f.lines[0].second.find("no targets to watch (no --targets)") != std::string::npos);

    f.files.targets_file = (f.dir / "missing").string();
    auto missing = f.load();
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message == "cannot read the targets file");

    f.files.targets_file.clear();
    f.files.lookup.zones = "a,not a zone!";
    auto bad_zone = f.load();
    REQUIRE_FALSE(bad_zone);
    CHECK(bad_zone.error().to_string().starts_with("--zones"));

    f.files.lookup.zones.clear();
    f.files.lookup.resolvers = {"not-an-ip"};
    CHECK_FALSE(f.load());

    f.files.lookup.resolvers.clear();
    f.files.catalog = (f.dir / "nothing.toml").string();
    CHECK_FALSE(f.load());
}

TEST_CASE("serve setup: a probe module's bad zone names the module") {
    SetupFiles f;
    f.files.targets_file.clear();
    f.write("config.toml", "[modules.strict]\nzones = \"no such zone!\"\n");
    auto setup = f.load();
    REQUIRE_FALSE(setup);
    CHECK(setup.error().to_string().find("in module \"strict\": --zones") != std::string::npos);
}

TEST_SUITE_END();
