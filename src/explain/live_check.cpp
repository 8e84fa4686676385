#include "rblscope/live_check.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <set>

namespace rblscope {

namespace {

/// Keeps every event of the run and passes it on to the observer.
class RecordingSink final : public ResultSink {
  public:
    RecordingSink(ResultSink& observer, LiveCheck& out) : m_observer(observer), m_out(out) {}
    void on_target(const TargetReport& rep) override {
        for (const auto& r : rep.results) {
            std::string text(to_string(r.status));
            if (!r.codes.empty()) {
                text += " (" + fmt::format("{}", fmt::join(r.codes, ", ")) +
                        (r.meaning.empty() ? "" : ": " + r.meaning) + ")";
            } else if (!r.error.empty()) {
                text += " (" + r.error + ")";
            }
            m_out.statuses[{rep.target.text, r.zone->id}] = text;
        }
        m_out.record->targets.push_back(rep);
        m_observer.on_target(rep);
    }
    void on_input_error(const Error& e) override {
        m_out.record->input_errors.push_back(e);
        m_observer.on_input_error(e);
    }
    void on_warning(const std::string& m) override {
        m_out.record->warnings.push_back(m);
        m_observer.on_warning(m);
    }

  private:
    ResultSink& m_observer;
    LiveCheck& m_out;
};

} // namespace

LiveCheckPlan plan_live_check(const FindingGroups& groups,
                              const std::string& zones,
                              const std::string& sending_domain) {
    LiveCheckPlan plan;
    std::set<std::string> ips;
    std::vector<std::string> named; // lists named in the bounces: checked first
    for (const auto& c : groups.causes()) {
        if (const auto* p = c.explanation.provider; p != nullptr && !sending_domain.empty()) {
            for (const auto& source : p->sources) {
                if (std::find(named.begin(), named.end(), source) == named.end()) {
                    named.push_back(source);
                }
            }
        }
        const auto& ip = c.explanation.sending_ip;
        if (!ip.empty() && ips.size() < LiveCheckPlan::k_max_targets && ips.insert(ip).second) {
            plan.targets.push_back(ip);
        }
        if (const auto* z = c.explanation.list_zone;
            z != nullptr && std::find(named.begin(), named.end(), z->id) == named.end() &&
            z->status != ZoneStatus::defunct && z->status != ZoneStatus::lists_everything) {
            named.push_back(z->id);
        }
    }
    if (!sending_domain.empty()) {
        plan.targets.push_back(sending_domain);
    }
    plan.zones = zones.empty() ? "default" : zones;
    for (const auto& n : named) {
        plan.zones = n + "," + plan.zones;
    }
    return plan;
}

Result<LiveCheck> run_live_check(const std::vector<std::string>& targets,
                                 ZoneSelection zones,
                                 const Catalog& catalog,
                                 const EngineOptions& options,
                                 ResultSink& observer) {
    LiveCheck out;
    out.record.emplace();
    out.zones = std::move(zones); // a moved deque keeps its zones where they are
    RecordingSink sink(observer, out);
    VectorTargetSource source(targets);
    auto summary = run_check(out.zones.zones, catalog, source, sink, options);
    if (!summary) {
        return summary.error();
    }
    out.record->summary = std::move(summary.value());
    return out;
}

} // namespace rblscope
