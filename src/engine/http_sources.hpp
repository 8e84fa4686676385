#pragma once
// The Run's HTTP sources: per-request adapters (one request per lookup, at the source's
// `rate`, retried with backoff) and downloaded lists (fetched once per run at most, kept on
// disk, lookups parked until the files are there). Host names are resolved by c-ares in the
// same loop, so a run starts no thread.

#include "engine/lookups.hpp"
#include "net/http_client.hpp"
#include "rblscope/engine.hpp"

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rblscope::engine {

class HttpSources {
  public:
    /// Called when a lookup has its reading (Lookup::http is set).
    using Finished = std::function<void(ActiveTarget&)>;

    HttpSources(EventLoop& loop,
                const EngineOptions& options,
                ResultSink& sink,
                std::vector<ZoneState>& zones,
                Destination& dest,
                Finished finished);
    ~HttpSources();
    HttpSources(const HttpSources&) = delete;
    HttpSources& operator=(const HttpSources&) = delete;
    HttpSources(HttpSources&&) = delete;
    HttpSources& operator=(HttpSources&&) = delete;

    /// The adapter, key and download state of an http zone; a missing adapter or key sets
    /// its skip reason. `resolver` resolves the sources' host names.
    void set_up(ZoneState& zs, DnsChannel& resolver);
    /// Starts lookup `job`: a request (a slot of the HTTP destination's window), or a
    /// download's reading.
    void lookup(const Job& job);
    /// The run's deadline passed or it was stopped: lookups still waiting end as timeout,
    /// with `cut_text(before)` as their reason.
    void cut(const std::function<std::string(std::string_view)>& cut_text);
    /// Runs completions libcurl reported.
    void drain();
    [[nodiscard]] bool idle() const noexcept { return m_open.empty(); }
    [[nodiscard]] std::uint64_t requests() const noexcept { return m_requests; }

  private:
    struct Open {
        Job job;
        int attempt = 0;
        std::string token; ///< sources behind OAuth: the access token it was sent with
    };
    using FileBlocks = Result<std::vector<ListedBlock>>;

    void issue_bulk(const Job& j);
    void answer_bulk(std::size_t zi, const Job& j);
    void start_bulk(std::size_t zi);
    [[nodiscard]] FileBlocks
    parse_file(std::size_t zi, const std::string& name, std::string_view body) const;
    void bulk_file_done(std::size_t zi, const std::string& name, FileBlocks blocks);
    void issue_authorized(const Job& j);
    void start_token(std::size_t zi);
    void token_done(std::size_t zi, Result<std::string> token);
    void issue_http(const Job& j);
    void send_http(std::uint64_t id, Clock::time_point earliest);
    void transmit_http(std::uint64_t id);
    void http_get(HttpRequest req, HttpClient::Callback callback);
    void on_http(std::uint64_t id, HttpResponse&& response);

    EventLoop& m_loop;
    const EngineOptions& m_options;
    ResultSink& m_sink;
    std::vector<ZoneState>& m_zones;
    Destination& m_dest;
    Finished m_finished;
    DnsChannel* m_resolver = nullptr;
    std::unique_ptr<HttpClient> m_http;
    std::unordered_map<std::uint64_t, Open> m_open;
    std::unordered_map<std::string, std::string> m_host_addresses; ///< "host:port" -> RESOLVE
    std::uint64_t m_next_id = 0;
    std::uint64_t m_requests = 0;
};

} // namespace rblscope::engine
