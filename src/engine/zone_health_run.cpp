// `zones --health` as a run: no targets, only the zones' own test points.

#include "rblscope/engine.hpp"

namespace rblscope {

namespace {

/// Collects the zone reports; the run's warnings go on to the caller.
class HealthSink final : public ResultSink {
  public:
    explicit HealthSink(const std::function<void(const std::string&)>& warn) : m_warn(warn) {}
    void on_target(const TargetReport& /*report*/) override {}
    void on_input_error(const Error& /*error*/) override {}
    void on_warning(const std::string& message) override {
        if (m_warn) {
            m_warn(message);
        }
    }
    void on_zone_health(const ZoneHealthReport& report) override { reports.push_back(report); }
    std::vector<ZoneHealthReport> reports;

  private:
    const std::function<void(const std::string&)>& m_warn;
};

} // namespace

int ZoneHealthRun::count(ZoneCondition c) const {
    const auto it = counts.find(c);
    return it == counts.end() ? 0 : it->second;
}

int ZoneHealthRun::exit_code() const {
    const int asked = static_cast<int>(reports.size()) - count(ZoneCondition::untested);
    if (interrupted || asked == 0 || count(ZoneCondition::no_answer) == asked) {
        return static_cast<int>(ExitCode::unknown); // nothing answered: the resolver, not the lists
    }
    return suggestions > 0 ? static_cast<int>(ExitCode::warning) : 0;
}

Result<ZoneHealthRun> run_zone_health(const std::vector<const Zone*>& zones,
                                      const Catalog& catalog,
                                      EngineOptions options,
                                      const std::function<void(const std::string&)>& warn) {
    options.warn_failing_zones = false; // the health report says it itself
    VectorTargetSource none({});
    HealthSink sink(warn);
    auto summary = run_check(zones, catalog, none, sink, options);
    if (!summary) {
        return summary.error();
    }
    ZoneHealthRun run;
    run.reports = std::move(sink.reports);
    run.resolvers = summary->resolvers;
    run.interrupted = summary->interrupted;
    for (const auto& r : run.reports) {
        ++run.counts[r.condition];
        run.suggestions += r.suggested_status ? 1 : 0;
    }
    return run;
}

} // namespace rblscope
