// The engine's target sources: command-line targets (numbered "argument N" in errors), then
// --input's lines, read without blocking.

#include "rblscope/engine.hpp"

#include <doctest/doctest.h>
#include <string>
#include <unistd.h>
#include <vector>

using namespace rblscope;

TEST_SUITE_BEGIN("engine");

TEST_CASE("arguments then input: arguments first, then the file's lines, waiting on a pipe") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const std::string first = "192.0.2.10\n# comment\n192.0.2.1";
    REQUIRE(::write(fds[1], first.data(), first.size()) == static_cast<ssize_t>(first.size()));
    ArgumentsThenInput source({"198.51.100.1", "not a target!"}, fds[0], "targets.txt");

    auto a = source.next();
    REQUIRE(a);
    REQUIRE(a->ok());
    CHECK(a->value().text == "198.51.100.1");
    auto bad = source.next();
    REQUIRE(bad);
    REQUIRE_FALSE(bad->ok());
    CHECK(bad->error().where == "argument 2");
    auto line = source.next();
    REQUIRE(line);
    REQUIRE(line->ok());
    CHECK(line->value().text == "192.0.2.10");
    // "192.0.2.1" has no newline yet: nothing more, and the pipe is the descriptor to wait on.
    CHECK_FALSE(source.next());
    CHECK(source.waiting_fd() == fds[0]);

    const std::string rest = "5\n";
    REQUIRE(::write(fds[1], rest.data(), rest.size()) == 2);
    ::close(fds[1]);
    auto last = source.next();
    REQUIRE(last);
    REQUIRE(last->ok());
    CHECK(last->value().text == "192.0.2.15");
    CHECK_FALSE(source.next());
    CHECK(source.waiting_fd() == -1); // the input has ended
    ::close(fds[0]);
}

TEST_CASE("arguments then input: no input file") {
    ArgumentsThenInput source({"192.0.2.1"}, -1, "");
    CHECK(source.next());
    CHECK_FALSE(source.next());
    CHECK(source.waiting_fd() == -1);
}

TEST_SUITE_END();
