#pragma once
// Prometheus text exposition format (0.0.4): label escaping and metric families whose
// samples are gathered first, since every family must be written contiguously.

#include <fmt/format.h>
#include <string>
#include <string_view>

namespace rblscope {

/// A label value with `\`, `"` and newlines escaped.
inline std::string label_value(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char c : s) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

struct MetricFamily {
    MetricFamily(const char* n, const char* h, const char* t = "gauge")
        : name(n), help(h), type(t) {}
    const char* name;
    const char* help;
    const char* type;
    fmt::memory_buffer samples;

    /// `labels` is the inside of the braces, already escaped ("" = none).
    void sample(std::string_view labels, double value) {
        if (labels.empty()) {
            fmt::format_to(std::back_inserter(samples), "{} {}\n", name, value);
        } else {
            fmt::format_to(std::back_inserter(samples), "{}{{{}}} {}\n", name, labels, value);
        }
    }

    /// HELP, TYPE and the samples; nothing when there are no samples.
    void write_to(fmt::memory_buffer& out) const {
        if (samples.size() == 0) {
            return;
        }
        fmt::format_to(
            std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
        out.append(samples.data(), samples.data() + samples.size());
    }
};

} // namespace rblscope
