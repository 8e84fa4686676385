#pragma once
// One check run: targets stream in, their (subject, zone) lookups go out through each
// destination's window, answers come back through DnsRequests and HttpSources, and reports
// stream out in input order. The member functions live in three files by job:
//   run.cpp          the state machine: start, advance (drain, fill), the deadline, finish
//   run_intake.cpp   targets in: activation, their lookups, emission in input order
//   run_dispatch.cpp jobs out and back: where a job goes, what it ended with

#include "engine/answer_cache.hpp"
#include "engine/dns_requests.hpp"
#include "engine/expanding_source.hpp"
#include "engine/http_sources.hpp"
#include "engine/lookups.hpp"
#include "rblscope/engine.hpp"

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace rblscope::engine {

class Run {
  public:
    Run(EventLoop& loop,
        const std::vector<const Zone*>& zones,
        const Catalog& catalog,
        TargetSource& targets,
        ResultSink& sink,
        const EngineOptions& options);
    ~Run();
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;
    Run(Run&&) = delete;
    Run& operator=(Run&&) = delete;

    /// start(), then advance() after every wait of the loop until finished, then finish().
    Result<RunSummary> execute();
    /// Opens the channels and queues the test points; an error stops the run before it begins.
    std::optional<Error> start();
    /// Handles completions and refills the windows; true once everything is done.
    bool advance();
    RunSummary finish();

  private:
    // run.cpp
    std::optional<Error> setup_channels();
    void set_up_key(ZoneState& zs);
    void fill();
    [[nodiscard]] bool wants_targets() const;
    void refresh_late_after(Destination& dest, std::size_t index, Clock::time_point now);
    void drain();
    [[nodiscard]] bool finished() const;
    void on_run_deadline();
    [[nodiscard]] std::string cut_text(std::string_view before) const;

    // run_intake.cpp
    bool activate_next();
    void wait_for_input(int fd);
    void stop_waiting_for_input();
    void start_target(Target target);
    void add_lookup(ActiveTarget& t,
                    std::size_t zone,
                    std::string subject,
                    std::string prefix,
                    bool ip_subject,
                    bool front);
    void add_ip_lookups(ActiveTarget& t, const IpAddress& ip, bool front);
    void add_domain_lookups(ActiveTarget& t, const std::string& name);
    void finish_lookup(ActiveTarget& t);
    void emit_ready();
    void emit(ActiveTarget& t);

    // run_dispatch.cpp
    [[nodiscard]] ZoneState* zone_of(const Job& j);
    [[nodiscard]] Destination& dest_of(const Job& j);
    [[nodiscard]] Query query_for(const Job& j);
    void issue(const Job& j);
    bool pace(const Job& j, Destination& dest);
    void on_dns(DnsRequests::Ended&& ended);
    void
    dispatch(const Job& j, DnsReply&& reply, Ending ending, Clock::time_point started, int sent);
    void on_resolved(const Job& j, const DnsReply& reply, const RawAnswer& raw);
    void on_test_answer(const Job& j, RawAnswer raw);
    void after_zone_activity(ZoneState& zs);
    void end_waiting(std::deque<Job>& jobs, Ending ending);
    [[nodiscard]] std::string timeout_text(int sent, int rounds) const;
    [[nodiscard]] std::string dead_text(const ZoneState& zs) const;

    const Catalog& m_catalog;
    ExpandingSource m_source;
    ResultSink& m_sink;
    const EngineOptions& m_options;
    EventLoop& m_loop;
    Clock::time_point m_started;
    std::vector<std::unique_ptr<DnsChannel>> m_channels;
    std::vector<Destination> m_dests; ///< one per channel (same index), then the HTTP one
    std::optional<AnswerCache> m_cache;
    std::unordered_map<const DnsChannel*, std::string> m_server_keys;
    std::vector<ZoneState> m_zones;
    std::unique_ptr<DnsRequests> m_dns;
    std::unique_ptr<HttpSources> m_http;
    std::deque<std::unique_ptr<ActiveTarget>> m_active;
    /// Jobs waiting for their zone's rate slot, and the timer that will issue them.
    std::unordered_map<std::uint64_t, std::pair<Job, EventLoop::TimerId>> m_paced;
    std::uint64_t m_next_paced = 0;
    int m_tests_outstanding = 0;
    bool m_source_done = false;
    int m_input_fd = -1; ///< watched while the input has no complete line
    ExitCode m_exit = ExitCode::ok;
    RunSummary m_summary;
};

} // namespace rblscope::engine
