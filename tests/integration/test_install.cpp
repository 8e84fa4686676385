// Installing: `cmake --install` into a fresh prefix, then the installed tree used as a user
// would, from `/` and with no source tree to lean on: the catalog found, a check against
// the test rbldnsd, the man pages rendered by man(1), bash completion through the real
// completion function, the zsh script parsed by zsh, the systemd unit verified by
// systemd-analyze, and serve's --options-file.

#include "integration/fixtures.hpp"

#include <chrono>
#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace rblscope::test;

namespace {

bool has_command(const std::string& name) {
    return run({"/bin/sh", "-c", "command -v " + name}).exit_code == 0;
}

/// The build installed once into a temporary prefix (the same for every test case).
const std::string& installed() {
    static const std::string prefix = [] {
        const auto dir = make_temp_dir() + "/prefix";
        const auto r = run({"cmake", "--install", RBLSCOPE_BUILD_ROOT, "--prefix", dir});
        REQUIRE_MESSAGE(r.exit_code == 0, (r.out + r.err));
        return dir;
    }();
    return prefix;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

/// The installed binary run from `/`, with no catalog named anywhere.
RunResult installed_rblscope(const std::vector<std::string>& args) {
    std::vector<std::string> argv{
        "/usr/bin/env", "-u", "RBLSCOPE_CATALOG", "-C", "/", installed() + "/bin/rblscope"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

/// What the bash completion offers for `words` (the last one being completed).
std::string bash_completes(const std::vector<std::string>& words) {
    std::string list;
    for (const auto& w : words) {
        list += " '" + w + "'";
    }
    const auto script =
        fmt::format("PATH='{0}/bin':$PATH; . '{0}/share/bash-completion/completions/rblscope'; "
                    "COMP_WORDS=({1}); COMP_CWORD={2}; _rblscope; echo \"${{COMPREPLY[*]}}\"",
                    installed(),
                    list,
                    words.size() - 1);
    const auto r = run({"bash", "-c", script});
    REQUIRE_MESSAGE(r.exit_code == 0, (r.err));
    return r.out.substr(0, r.out.find('\n'));
}

} // namespace

TEST_SUITE_BEGIN("integration");

TEST_CASE("install: the installed tree works without the source tree") {
    const auto& p = installed();
    for (const std::string file : {"/bin/rblscope",
                                   "/share/rblscope/lists.toml",
                                   "/share/rblscope/monitoring/rblscope-icinga2.conf",
                                   "/share/rblscope/monitoring/rblscope-nagios.cfg",
                                   "/share/rblscope/monitoring/rblscope-alerts.yml",
                                   "/share/rblscope/monitoring/rblscope-grafana.json",
                                   "/share/man/man1/rblscope.1",
                                   "/share/man/man1/rblscope-check.1",
                                   "/share/man/man1/rblscope-serve.1",
                                   "/share/man/man5/rblscope-catalog.5",
                                   "/share/bash-completion/completions/rblscope",
                                   "/share/zsh/vendor-completions/_rblscope",
                                   "/lib/systemd/system/rblscope-serve.service",
                                   "/etc/rblscope/serve.toml",
                                   "/etc/rblscope/config.toml"}) {
        CAPTURE(file);
        CHECK(std::filesystem::exists(p + file));
    }
    // The keys file is its owner's alone, as rblscope demands.
    struct stat st {};
    REQUIRE(::stat((p + "/etc/rblscope/config.toml").c_str(), &st) == 0);
    CHECK((st.st_mode & 077) == 0);

    const auto version = installed_rblscope({"--version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out.starts_with("rblscope "));
    // The shipped catalog, found next to the executable.
    const auto names = installed_rblscope({"zones", "--names"});
    CHECK(names.exit_code == 0);
    CHECK(names.out.find("\nspamhaus-zen\n") != std::string::npos);
    // A real check through it, against the test rbldnsd.
    auto& f = fixture();
    const auto check = installed_rblscope({"check",
                                           "--zones",
                                           "bl.test",
                                           "--zone-server",
                                           fmt::format("bl.test=127.0.0.1:{}", f.rbldnsd_port),
                                           "--format",
                                           "nagios",
                                           "192.0.2.99"});
    CHECK_MESSAGE(check.exit_code == 2, (check.out + check.err));
    CHECK(check.out.find("192.0.2.99") != std::string::npos);
    // A bare `rblscope`: the usage, as a usage error.
    const auto bare = installed_rblscope({});
    CHECK(bare.exit_code == 3);
    CHECK(bare.err.find("Subcommands:") != std::string::npos);
}

TEST_CASE("install: man pages render and completions complete") {
    const auto& p = installed();
    if (has_command("man")) {
        for (const std::string page : {"man1/rblscope.1",
                                       "man1/rblscope-check.1",
                                       "man1/rblscope-zones.1",
                                       "man1/rblscope-explain.1",
                                       "man1/rblscope-vet.1",
                                       "man1/rblscope-serve.1",
                                       "man1/rblscope-history.1",
                                       "man5/rblscope-catalog.5"}) {
            CAPTURE(page);
            const auto r =
                run({"/usr/bin/env", "MANWIDTH=80", "man", "-l", p + "/share/man/" + page});
            CHECK(r.exit_code == 0);
            CHECK(r.out.find("NAME") != std::string::npos);
            CHECK(r.err.empty());
        }
    } else {
        MESSAGE("man is not installed: pages not rendered");
    }
    CHECK(bash_completes({"rblscope", "ch"}) == "check");
    CHECK(bash_completes({"rblscope", "check", "--for"}) == "--format");
    CHECK(bash_completes({"rblscope", "check", "--format", ""}) ==
          "text json nagios csv prometheus");
    CHECK(bash_completes({"rblscope", "explain", "--format", "n"}) == "nagios");
    // Zones come from the installed catalog; a list completes its last item.
    CHECK(bash_completes({"rblscope", "check", "-z", "spamhaus-ze"}) == "spamhaus-zen");
    CHECK(bash_completes({"rblscope", "check", "-z", "default,spamhaus-ze"}) ==
          "default,spamhaus-zen");
    if (has_command("zsh")) {
        const auto r = run({"zsh", "-n", p + "/share/zsh/vendor-completions/_rblscope"});
        CHECK_MESSAGE(r.exit_code == 0, (r.err));
    }
}

TEST_CASE("install: the systemd unit passes systemd-analyze") {
    if (!has_command("systemd-analyze")) {
        MESSAGE("systemd-analyze is not installed: skipped");
        return;
    }
    const auto& p = installed();
    auto unit = read_file(p + "/lib/systemd/system/rblscope-serve.service");
    CHECK(unit.find("DynamicUser=yes") != std::string::npos);
    CHECK(unit.find("ProtectSystem=strict") != std::string::npos);
    CHECK(unit.find("ExecReload=/bin/kill -HUP $MAINPID") != std::string::npos);
    // The unit names the configured prefix; point it at this install to verify it.
    const auto replace_all = [&](const std::string& from, const std::string& to) {
        for (auto at = unit.find(from); at != std::string::npos; at = unit.find(from, at)) {
            unit.replace(at, from.size(), to);
            at += to.size();
        }
    };
    replace_all(RBLSCOPE_INSTALL_BINDIR, p + "/bin");
    replace_all(RBLSCOPE_INSTALL_SYSCONFDIR, p + "/etc");
    const auto dir = make_temp_dir();
    write_file(dir + "/rblscope-serve.service", unit);
    const auto r = run({"systemd-analyze", "verify", "--man=no", dir + "/rblscope-serve.service"});
    CHECK_MESSAGE(r.exit_code == 0, (r.out + r.err));
}

TEST_CASE("serve --options-file: the service's settings, the command line winning") {
    const auto dir = make_temp_dir();
    const int port = free_tcp_port();
    const int file_port = free_tcp_port();
    write_file(dir + "/serve.toml",
               fmt::format("# as /etc/rblscope/serve.toml\nlisten = \"127.0.0.1:{}\"\n"
                           "zones = \"t-bl\"\nzone-rate = 5\nresolver = [\"127.0.0.1:1\"]\n",
                           file_port));
    Server serve({RBLSCOPE_BIN,
                  "serve",
                  "--catalog",
                  fixture().catalog,
                  "--options-file",
                  dir + "/serve.toml",
                  "--listen",
                  fmt::format("127.0.0.1:{}", port)});
    std::string body;
    for (int i = 0; i < 100 && body != "ok\n"; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        body = run({"curl", "-s", "-m", "2", fmt::format("http://127.0.0.1:{}/healthz", port)}).out;
    }
    // The command line's --listen, not the file's.
    CHECK(body.starts_with("ok"));
    CHECK(run({"curl", "-s", "-m", "2", fmt::format("http://127.0.0.1:{}/healthz", file_port)})
              .exit_code != 0);

    write_file(dir + "/bad.toml", "listen = \"127.0.0.1:0\"\nlisn = \"x\"\n");
    const auto bad = run_rblscope({"serve", "--options-file", dir + "/bad.toml"});
    CHECK(bad.exit_code == 3);
    CHECK(bad.err.find(dir + "/bad.toml:2:8: unknown option 'lisn'") != std::string::npos);
    write_file(dir + "/range.toml", "refresh = 0\n");
    const auto range = run_rblscope({"serve", "--options-file", dir + "/range.toml"});
    CHECK(range.exit_code == 3);
    CHECK(range.err.find("range.toml:1:11: refresh") != std::string::npos);
}

TEST_SUITE_END();

// The Debian package (scripts/package.sh builds it; scripts/test.sh names it in
// RBLSCOPE_DEB): unpacked with dpkg -x and run from `/`, then, with
// RBLSCOPE_DEB_INSTALL=1 and root, installed with dpkg -i, used from PATH, and purged.
TEST_CASE("package: the .deb unpacked and installed") {
    const char* deb = std::getenv("RBLSCOPE_DEB");
    if (deb == nullptr || *deb == '\0') {
        MESSAGE("RBLSCOPE_DEB is not set (scripts/test.sh builds the package): skipped");
        return;
    }
    auto& f = fixture();
    const auto root = make_temp_dir() + "/root";
    const auto unpack = run({"dpkg", "-x", deb, root});
    REQUIRE_MESSAGE(unpack.exit_code == 0, (unpack.err));
    const auto bin = root + "/usr/bin/rblscope";
    const auto from_root = [&](const std::string& binary, std::vector<std::string> args) {
        std::vector<std::string> argv{"/usr/bin/env", "-u", "RBLSCOPE_CATALOG", "-C", "/", binary};
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv);
    };
    const auto check_args =
        std::vector<std::string>{"check",
                                 "--zones",
                                 "bl.test",
                                 "--zone-server",
                                 fmt::format("bl.test=127.0.0.1:{}", f.rbldnsd_port),
                                 "192.0.2.99"};
    CHECK(from_root(bin, {"--version"}).out.starts_with("rblscope "));
    CHECK(from_root(bin, {"zones", "--names"}).out.find("\nspamhaus-zen\n") != std::string::npos);
    const auto unpacked = from_root(bin, check_args);
    CHECK_MESSAGE(unpacked.exit_code == 2, (unpacked.out + unpacked.err));
    // The plugin link: check_rbl's way, Nagios output.
    std::vector<std::string> plugin_args(check_args.begin() + 1, check_args.end());
    const auto plugin = from_root(root + "/usr/lib/nagios/plugins/check_rblscope", plugin_args);
    CHECK(plugin.exit_code == 2);
    CHECK(plugin.out.starts_with("RBL CRITICAL - 192.0.2.99 listed"));
    // Stripped: no symbol table left.
    CHECK(run({"/bin/sh", "-c", "nm " + bin + " 2>&1 | grep -q 'no symbols'"}).exit_code == 0);
    struct stat st {};
    REQUIRE(::stat((root + "/etc/rblscope/config.toml").c_str(), &st) == 0);
    CHECK((st.st_mode & 077) == 0);

    const char* install = std::getenv("RBLSCOPE_DEB_INSTALL");
    if (install == nullptr || std::string(install) != "1" || ::geteuid() != 0) {
        MESSAGE("RBLSCOPE_DEB_INSTALL=1 (as root) also installs it with dpkg -i: skipped");
        return;
    }
    if (run({"dpkg", "-s", "rblscope"}).exit_code == 0) {
        MESSAGE("rblscope is installed on this machine already: dpkg -i not tried");
        return;
    }
    const auto installed_deb = run({"dpkg", "-i", deb});
    REQUIRE_MESSAGE(installed_deb.exit_code == 0, (installed_deb.out + installed_deb.err));
    // From PATH, with the catalog from /usr/share/rblscope.
    const auto check = from_root("rblscope", check_args);
    CHECK_MESSAGE(check.exit_code == 2, (check.out + check.err));
    CHECK(run({"man", "-w", "rblscope"}).out.find("/usr/share/man/man1/rblscope.1") !=
          std::string::npos);
    CHECK(run({"man", "-w", "5", "rblscope-catalog"}).exit_code == 0);
    // bash-completion's loader finds the completion by the command's name.
    const auto loader =
        run({"bash",
             "-c",
             // The loader returns 124 ("complete again") once it has loaded it.
             ". /usr/share/bash-completion/bash_completion; _completion_loader rblscope; "
             "complete -p rblscope"});
    CHECK(loader.out.find("-F _rblscope rblscope") != std::string::npos);
    CHECK(std::filesystem::exists("/lib/systemd/system/rblscope-serve.service"));
    const auto purge = run({"dpkg", "--purge", "rblscope"});
    CHECK_MESSAGE(purge.exit_code == 0, (purge.out + purge.err));
    CHECK(!std::filesystem::exists("/usr/bin/rblscope"));
}
