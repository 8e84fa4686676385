#include "rblscope/report.hpp"
#include "rblscope/verdict.hpp"
#include "report/check_json.hpp"
#include "report/json_writer.hpp"
#include "report/summary_json.hpp"

#include <fmt/format.h>

namespace rblscope {

namespace {

// Bad input lines are kept in the document up to this count; the total is always given.
constexpr std::size_t k_max_listed_errors = 1000;

class JsonReport final : public Report {
  public:
    JsonReport(std::FILE* out, std::FILE* err) : m_out(out), m_err(err) {
        fmt::memory_buffer b;
        JsonWriter w(b);
        b.append(std::string_view("{\"version\":"));
        w.value(RBLSCOPE_VERSION);
        b.append(std::string_view(",\"targets\":["));
        flush(b);
    }

    void on_target(const TargetReport& rep) override {
        m_buf.clear();
        if (!m_first) {
            m_buf.push_back(',');
        }
        m_buf.push_back('\n');
        m_first = false;
        JsonWriter w(m_buf);
        write_target_json(w, rep);
        flush(m_buf);
    }

    void on_input_error(const Error& e) override {
        fmt::print(m_err, "rblscope: {}\n", e.to_string());
        if (m_errors.size() < k_max_listed_errors) {
            m_errors.push_back(e);
        }
    }

    void on_warning(const std::string& m) override {
        fmt::print(m_err, "rblscope: warning: {}\n", m);
        m_warnings.push_back(m);
    }

    void finish(const RunSummary& s) override {
        fmt::memory_buffer b;
        JsonWriter w(b);
        b.append(std::string_view("\n],\"summary\":"));
        write_summary_json(w, s);
        b.append(std::string_view(",\"input_errors\":"));
        write_input_errors_json(w, m_errors);
        b.append(std::string_view(",\"warnings\":"));
        w.strings(m_warnings);
        b.append(std::string_view("}\n"));
        flush(b);
    }

  private:
    void flush(const fmt::memory_buffer& b) {
        std::fwrite(b.data(), 1, b.size(), m_out);
        std::fflush(m_out);
    }

    std::FILE* m_out;
    std::FILE* m_err;
    fmt::memory_buffer m_buf;
    bool m_first = true;
    std::vector<Error> m_errors;
    std::vector<std::string> m_warnings;
};

} // namespace

std::unique_ptr<Report> make_json_report(std::FILE* out, std::FILE* err) {
    return std::make_unique<JsonReport>(out, err);
}

} // namespace rblscope
