#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "rblscope/report.hpp"
#include "rblscope/verdict.hpp"

namespace rblscope {

namespace {

using json = nlohmann::ordered_json;

std::string_view kind_name(Target::Kind k) {
    switch (k) {
    case Target::Kind::ip:
        return "ip";
    case Target::Kind::cidr:
        return "cidr";
    case Target::Kind::hostname:
        return "hostname";
    case Target::Kind::email:
        return "email";
    }
    return "?";
}

json nullable(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

// Bad input lines are kept in the document up to this count; the total is always given.
constexpr std::size_t k_max_listed_errors = 1000;

class JsonReport final : public Report {
  public:
    JsonReport(std::FILE* out, std::FILE* err) : m_out(out), m_err(err) {
        fmt::print(m_out, "{{\"version\":\"{}\",\"targets\":[", RBLSCOPE_VERSION);
    }

    void on_target(const TargetReport& rep) override {
        json t;
        t["target"] = rep.target.text;
        t["kind"] = kind_name(rep.target.kind);
        t["ip"] = rep.ip ? json(rep.ip->to_string()) : json(nullptr);
        if (!rep.target.where.empty()) {
            t["input"] = rep.target.where;
        }
        json addrs = json::array();
        for (const auto& a : rep.addresses) {
            addrs.push_back({{"name", a.name}, {"ip", a.ip.to_string()}});
        }
        t["addresses"] = std::move(addrs);
        t["verdict"] = to_string(rep.verdict);
        t["exit_code"] = static_cast<int>(exit_code_for(rep));
        json results = json::array();
        for (const auto& r : rep.results) {
            json j;
            j["zone"] = r.zone->zone;
            j["id"] = r.zone->id;
            j["list"] = r.zone->name;
            j["role"] = to_string(r.zone->role);
            j["subject"] = r.subject;
            j["status"] = to_string(r.status);
            j["severity"] = r.status == Status::listed ? json(to_string(r.severity)) : json(nullptr);
            j["codes"] = r.codes;
            j["meaning"] = nullable(r.meaning);
            j["txt"] = nullable(r.txt);
            j["delist_url"] = nullable(r.delist_url);
            j["error"] = nullable(r.error);
            j["elapsed_ms"] = r.elapsed_ms;
            j["ttl"] = r.status == Status::listed || r.status == Status::clean ? json(r.ttl) : json(nullptr);
            results.push_back(std::move(j));
        }
        t["results"] = std::move(results);
        t["problems"] = rep.problems;
        t["notes"] = rep.notes;
        t["counts"] = {{"listed", rep.listed},   {"allowed", rep.allowed}, {"clean", rep.clean},
                       {"error", rep.errors},    {"timeout", rep.timeouts}, {"skipped", rep.skipped},
                       {"total", rep.results.size()}};
        // replace: invalid UTF-8 from the network never breaks the document.
        fmt::print(m_out, "{}\n{}", m_first ? "" : ",", t.dump(-1, ' ', false, json::error_handler_t::replace));
        m_first = false;
        std::fflush(m_out);
    }

    void on_input_error(const Error& e) override {
        fmt::print(m_err, "rblscope: {}\n", e.to_string());
        if (m_errors.size() < k_max_listed_errors) {
            m_errors.push_back({{"where", e.where}, {"message", e.message}});
        }
    }

    void on_warning(const std::string& m) override {
        fmt::print(m_err, "rblscope: warning: {}\n", m);
        m_warnings.push_back(m);
    }

    void finish(const RunSummary& s) override {
        json summary = {{"targets", s.targets},
                        {"listed", s.listed},
                        {"clean", s.clean},
                        {"unknown", s.unknown},
                        {"input_errors", s.input_errors},
                        {"queries", s.queries},
                        {"elapsed_ms", s.elapsed_ms},
                        {"exit_code", s.exit_code},
                        {"resolvers", s.resolvers}};
        fmt::print(m_out, "\n],\"summary\":{},\"input_errors\":{},\"warnings\":{}}}\n",
                   summary.dump(-1, ' ', false, json::error_handler_t::replace),
                   m_errors.dump(-1, ' ', false, json::error_handler_t::replace),
                   m_warnings.dump(-1, ' ', false, json::error_handler_t::replace));
        std::fflush(m_out);
    }

  private:
    std::FILE* m_out;
    std::FILE* m_err;
    bool m_first = true;
    json m_errors = json::array();
    json m_warnings = json::array();
};

} // namespace

std::unique_ptr<Report> make_json_report(std::FILE* out, std::FILE* err) {
    return std::make_unique<JsonReport>(out, err);
}

} // namespace rblscope
