#include "cli/diagnostics.hpp"

#include <cstdio>

namespace rblscope::cli {

namespace {
std::string g_last_error; // one process, one front end: the last thing that went wrong
bool g_output_started = false;
} // namespace

void mark_output_started() {
    g_output_started = true;
}

bool output_started() {
    return g_output_started;
}

void error_text(std::string_view message) {
    g_last_error = std::string(message);
    fmt::print(stderr, "rblscope: {}\n", message);
}

void warning_text(std::string_view message) {
    fmt::print(stderr, "rblscope: warning: {}\n", message);
}

void note_text(std::string_view message) {
    fmt::print(stderr, "rblscope: {}\n", message);
}

const std::string& last_error() {
    return g_last_error;
}

} // namespace rblscope::cli
