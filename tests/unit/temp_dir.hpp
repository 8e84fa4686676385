#pragma once
// A private temporary directory for a unit test, removed with everything in it at the end.

#include <doctest/doctest.h>
#include <filesystem>
#include <string>
#include <unistd.h>

namespace rblscope::test {

struct TempDir {
    std::string path;
    TempDir() {
        std::string t = "/tmp/rblscope-unit-XXXXXX";
        REQUIRE(::mkdtemp(t.data()) != nullptr);
        path = t;
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

} // namespace rblscope::test
