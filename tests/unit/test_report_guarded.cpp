// GuardedReport (a closed stdout becomes a stop request) and the completion script writers.

#include "core/signals.hpp"
#include "rblscope/target.hpp"
#include "report/completion_script.hpp"
#include "report/guarded_report.hpp"

#include <cstdio>
#include <doctest/doctest.h>
#include <poll.h>
#include <string>
#include <unistd.h>

using namespace rblscope;

TEST_SUITE_BEGIN("report");

TEST_CASE("GuardedReport: a reader gone away ends the writing and asks the run to stop") {
    const StopSignals signals; // SIGPIPE ignored: the write fails with EPIPE instead
    int fds[2] = {-1, -1};
    REQUIRE(::pipe(fds) == 0);
    ::close(fds[0]);
    std::FILE* out = ::fdopen(fds[1], "w");
    REQUIRE(out != nullptr);
    std::setvbuf(out, nullptr, _IONBF, 0);

    GuardedReport report(make_text_report(out, stderr, ReportOptions{}), out);
    TargetReport target;
    target.target = parse_target("192.0.2.1").value();
    pollfd p{stop_fd(), POLLIN, 0};
    CHECK(::poll(&p, 1, 0) == 0);
    report.on_target(target);
    CHECK(report.broken());
    CHECK(::poll(&p, 1, 0) == 1); // the stop descriptor is readable: the engine's loop ends
    // Later output is dropped, never thrown through the engine's loop.
    CHECK_NOTHROW(report.on_target(target));
    CHECK_NOTHROW(report.finish(RunSummary{}));
    std::fclose(out);
}

TEST_CASE("completion scripts name the commands, options and value kinds they are given") {
    CompletionCommand check{"check", "Check targets", {}, true};
    check.options.push_back({{"-f", "--format"}, true, {"text", "json"}, {}, "Output format"});
    check.options.push_back({{"--input"}, true, {}, CompletionOption::Value::file, "Targets"});
    check.options.push_back({{"--zones"}, true, {}, CompletionOption::Value::zones, "Zones"});
    check.options.push_back({{"--all"}, false, {}, {}, "Show [clean]: lists"});

    char* buffer = nullptr;
    std::size_t size = 0;
    std::FILE* out = ::open_memstream(&buffer, &size);
    write_bash_completion(out, {check});
    std::fclose(out);
    const std::string bash(buffer, size);
    std::free(buffer);
    CHECK(bash.find("complete -F _rblscope rblscope") != std::string::npos);
    CHECK(bash.find("check) opts=\"-f --format --input --zones --all\" ;;") != std::string::npos);
    CHECK(bash.find("check:-f|check:--format) COMPREPLY=($(compgen -W \"text json\"") !=
          std::string::npos);
    CHECK(bash.find("check:--input) COMPREPLY=($(compgen -f") != std::string::npos);
    CHECK(bash.find("rblscope zones --names") != std::string::npos);

    out = ::open_memstream(&buffer, &size);
    write_zsh_completion(out, {check});
    std::fclose(out);
    const std::string zsh(buffer, size);
    std::free(buffer);
    CHECK(zsh.starts_with("#compdef rblscope\n"));
    CHECK(zsh.find("'check:Check targets'") != std::string::npos);
    CHECK(zsh.find("'--input[Targets]:value:_files'") != std::string::npos);
    CHECK(zsh.find("'--all[Show \\[clean\\]\\: lists]'") != std::string::npos); // escaped
    CHECK(zsh.find("'*:argument:_files'") != std::string::npos);
}
