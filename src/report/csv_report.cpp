// One row per (target, zone), RFC 4180 (report/csv_field.hpp).

#include "rblscope/report.hpp"
#include "report/csv_field.hpp"

#include <fmt/format.h>

namespace rblscope {

namespace {

using csv::field;

class CsvReport final : public Report {
  public:
    CsvReport(std::FILE* out, std::FILE* err) : m_out(out), m_err(err) {
        fmt::print(m_out,
                   "target,ip,zone,id,subject,status,severity,codes,meaning,txt,delist_url,error,"
                   "elapsed_ms\r\n");
    }

    void on_target(const TargetReport& rep) override {
        m_buf.clear();
        const std::string ip = rep.ip ? rep.ip->to_string() : std::string();
        for (const auto& r : rep.results) {
            field(m_buf, rep.target.text);
            field(m_buf, ip);
            field(m_buf, r.zone->zone);
            field(m_buf, r.zone->id);
            field(m_buf, r.subject);
            field(m_buf, to_string(r.status));
            field(m_buf, r.status == Status::listed ? to_string(r.severity) : std::string_view());
            field(m_buf, fmt::format("{}", fmt::join(r.codes, " ")));
            field(m_buf, r.meaning);
            field(m_buf, r.txt);
            field(m_buf, r.delist_url);
            field(m_buf, r.error);
            field(m_buf, fmt::format("{}", r.elapsed_ms), true);
        }
        std::fwrite(m_buf.data(), 1, m_buf.size(), m_out);
        std::fflush(m_out);
    }

    void on_input_error(const Error& e) override {
        fmt::print(m_err, "rblscope: {}\n", e.to_string());
    }
    void on_warning(const std::string& m) override {
        fmt::print(m_err, "rblscope: warning: {}\n", m);
    }
    void finish(const RunSummary& /*summary*/) override { std::fflush(m_out); }

  private:
    std::FILE* m_out;
    std::FILE* m_err;
    fmt::memory_buffer m_buf;
};

} // namespace

std::unique_ptr<Report> make_csv_report(std::FILE* out, std::FILE* err) {
    return std::make_unique<CsvReport>(out, err);
}

} // namespace rblscope
