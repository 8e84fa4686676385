// The check engine: targets stream in, (subject, zone) lookups go out through c-ares within a
// fixed window refilled on completion (massdns style), and reports stream out in input order.

#include "rblscope/engine.hpp"

#include "core/domain.hpp"
#include "core/hash.hpp"
#include "core/sanitize.hpp"
#include "engine/answer_cache.hpp"
#include "engine/classify.hpp"
#include "engine/dns_outcome.hpp"
#include "engine/zone_health.hpp"
#include "net/dns_channel.hpp"
#include "net/event_loop.hpp"
#include "net/http_client.hpp"
#include "net/resolvers.hpp"
#include "rblscope/config.hpp"
#include "rblscope/verdict.hpp"
#include "sources/adapter.hpp"
#include "sources/download_cache.hpp"

#include <cmath>
#include <cstdlib>
#include <deque>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <memory>
#include <random>
#include <unordered_map>

namespace rblscope {

std::optional<Result<Target>> VectorTargetSource::next() {
    if (m_next >= m_texts.size()) {
        return std::nullopt;
    }
    const auto& text = m_texts[m_next++];
    auto t = parse_target(text);
    if (!t) {
        return Result<Target>(Error{t.error().message, fmt::format("argument {}", m_next)});
    }
    return t;
}

namespace {

using Clock = std::chrono::steady_clock;

// How a job ended: with a DNS reply, or by the run's own decision: never sent (its zone is
// skipped), cut off by the run's deadline or a stop, not sent because its zone is down
// (EngineOptions::zones_down).
enum class Ending : std::uint8_t { replied, skipped, cut, down };
// Retransmission bounds: before any round trip was measured, and the floor after.
constexpr std::chrono::milliseconds k_first_retransmit{250};
constexpr std::chrono::milliseconds k_min_retransmit{20};

std::uint32_t ms_since(Clock::time_point start) {
    return static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

/// Expands CIDR blocks into single addresses lazily, so a /16 never sits in memory.
class ExpandingSource {
  public:
    ExpandingSource(TargetSource& inner, std::uint64_t max_block)
        : m_inner(inner), m_max(max_block) {}

    std::optional<Result<Target>> next() {
        if (m_block && m_index < m_block->cidr->size()) {
            Target t = *m_block;
            t.kind = Target::Kind::ip;
            t.ip = m_block->cidr->at(m_index++);
            return t;
        }
        m_block.reset();
        auto item = m_inner.next();
        if (!item || !item->ok() || (*item)->kind != Target::Kind::cidr) {
            return item;
        }
        const auto size = (*item)->cidr->size();
        if (size > m_max) {
            const auto shown =
                size == UINT64_MAX ? std::string("more than 2^64") : fmt::format("{}", size);
            return Result<Target>(Error{
                fmt::format("block {} has {} addresses, more than the limit of {} (raise it with "
                            "--max-addresses)",
                            (*item)->cidr->to_string(),
                            shown,
                            m_max),
                (*item)->where.empty() ? (*item)->text : (*item)->where});
        }
        m_block = std::move(item->value());
        m_index = 0;
        return next();
    }

    [[nodiscard]] int waiting_fd() const { return m_inner.waiting_fd(); }

  private:
    TargetSource& m_inner;
    std::uint64_t m_max;
    std::optional<Target> m_block;
    std::uint64_t m_index = 0;
};

/// Smoothed round-trip time of one destination (RFC 6298), for retransmission timing.
struct RttEstimator {
    double srtt_ms = 0;
    double rttvar_ms = 0;
    bool has_sample = false;

    void add(double sample_ms) {
        if (!has_sample) {
            srtt_ms = sample_ms;
            rttvar_ms = sample_ms / 2;
            has_sample = true;
            return;
        }
        rttvar_ms = 0.75 * rttvar_ms + 0.25 * std::abs(srtt_ms - sample_ms);
        srtt_ms = 0.875 * srtt_ms + 0.125 * sample_ms;
    }
};

struct Job;

// A list downloaded whole (kind http with a bulk adapter): fetched once per run at most,
// lookups park until it is there.
struct BulkState {
    enum class Phase : std::uint8_t { idle, loading, ready, failed };
    Phase phase = Phase::idle;
    int downloads_left = 0;
    std::vector<ListedBlock> blocks;
    std::map<std::string, std::string> errors; ///< file -> why it could not be used
    std::string error;                         ///< failed: all of them, in file order
    std::vector<Job> parked;                   ///< lookups waiting for the download
};

struct ZoneState {
    const Zone* zone = nullptr;
    std::string suffix; ///< the zone with its key filled in; never printed
    DnsChannel* channel = nullptr;
    std::string skip_reason;
    std::string down_reason; ///< EngineOptions::zones_down: lookups fail at once, tests run
    RawAnswer test_listed, test_unlisted;
    RawAnswer test_listed6, test_unlisted6; ///< "both" zones only
    ZoneHealth health;
    ZoneHealth health6;                   ///< how the zone answers IPv6 queries ("both" zones)
    const HttpAdapter* adapter = nullptr; ///< http sources
    std::string key;                      ///< http sources' API key; never printed
    std::unique_ptr<BulkState> bulk;      ///< downloaded lists
    Clock::time_point next_slot;          ///< earliest next request (http: `rate`; dns: zone_rate)
    RttEstimator rtt;
};

struct Lookup {
    std::size_t zone = 0;
    std::string subject; ///< shown to the user
    std::string prefix;  ///< labels before the zone suffix
    RawAnswer raw;
    std::string txt;
    Clock::time_point started;
    bool ip_subject = true;
    bool v6_subject = false;
    std::optional<SourceReading> http; ///< http sources: the adapter's reading
};

struct ActiveTarget {
    TargetReport report;
    std::vector<Lookup> lookups;
    int outstanding = 0;
    bool resolve_failed = false;
    int resolve_answers = 0;
};

enum class JobKind : std::uint8_t {
    lookup,
    txt,
    resolve_a,
    resolve_aaaa,
    test_listed,
    test_unlisted
};

template <typename T> const T* opt_ptr(const std::optional<T>& o) {
    return o ? &*o : nullptr;
}

struct Job {
    ActiveTarget* target = nullptr;
    std::size_t index = 0; ///< lookup index, or zone index for tests
    JobKind kind = JobKind::lookup;
    int attempt = 0;
    bool v6_point = false; ///< test jobs: the zone's IPv6 test point
    bool paced = false;    ///< waited for its zone's rate slot already
};

const std::optional<TestPoint>& test_point_of(const Zone& z, const Job& j) {
    if (j.kind == JobKind::test_listed) {
        return j.v6_point ? z.test_listed6 : z.test_listed;
    }
    return j.v6_point ? z.test_unlisted6 : z.test_unlisted;
}

// An HTTP source's reading as a result like any other list's.
ZoneResult http_result(const Zone& zone, const Lookup& l) {
    ZoneResult r;
    r.zone = &zone;
    r.subject = l.subject;
    r.status = l.http->status;
    r.severity = l.http->status == Status::listed ? l.http->severity : Severity::info;
    r.meaning = l.http->meaning;
    r.error = l.http->error;
    r.elapsed_ms = l.raw.elapsed_ms;
    if (r.status == Status::listed && !zone.delist_url.empty()) {
        r.delist_url = expand_delist_url(zone.delist_url, l.subject);
    }
    return r;
}

class Run {
  public:
    Run(EventLoop& loop,
        const std::vector<const Zone*>& zones,
        const Catalog& catalog,
        TargetSource& targets,
        ResultSink& sink,
        const EngineOptions& options)
        : m_catalog(catalog), m_source(targets, options.max_cidr_addresses), m_sink(sink),
          m_options(options), m_loop(loop) {
        for (const auto* z : zones) {
            ZoneState zs;
            zs.zone = z;
            zs.suffix = z->zone;
            if (const auto down = options.zones_down.find(z->zone);
                down != options.zones_down.end() && z->kind != ZoneKind::http) {
                zs.down_reason = down->second;
            }
            m_zones.push_back(std::move(zs));
        }
    }

    Result<RunSummary> execute() {
        if (auto err = start()) {
            return *err;
        }
        while (!advance()) {
            m_loop.run_once(std::chrono::milliseconds(1000));
        }
        return finish();
    }

    /// Opens the channels and queues the test points; an error stops the run before it begins.
    std::optional<Error> start() {
        m_started = Clock::now();
        const auto start = m_started;
        if (auto err = setup_channels()) {
            return err;
        }
        if (!m_options.cache_dir.empty()) {
            // Answers depend on who was asked (a public resolver gets refusals), so the
            // servers are part of every cache key.
            for (const auto& ch : m_channels) {
                m_server_keys[ch.get()] = fmt::format("{}", fmt::join(ch->servers(), ","));
            }
            m_cache.emplace(m_options.cache_dir,
                            [this](const std::string& m) { m_sink.on_warning(m); });
        }
        if (m_options.deadline.count() > 0) {
            m_loop.add_timer(start + m_options.deadline, [this] { on_run_deadline(); });
        }
        if (m_options.stop_fd >= 0) {
            m_loop.watch(m_options.stop_fd, true, false, [this](int fd, bool, bool) {
                m_loop.unwatch(fd);
                m_summary.interrupted = true;
                on_run_deadline();
            });
        }
        start_tests();
        m_summary.queries = 0;
        return std::nullopt;
    }

    /// Handles completions and refills the window; true once everything is done. Called
    /// after every wait of the loop.
    bool advance() {
        drain();
        fill();
        drain();
        return finished();
    }

    RunSummary finish() {
        if (m_summary.deadline_reached || m_summary.interrupted) {
            m_exit = ExitCode::unknown; // what was decided is shown, but the run is incomplete
        }
        if (m_options.stop_fd >= 0 && !m_summary.interrupted) {
            m_loop.unwatch(m_options.stop_fd);
        }
        stop_waiting_for_input();
        if (m_cache) {
            m_cache->report_totals();
        }
        m_summary.elapsed_ms = ms_since(m_started);
        m_summary.exit_code = static_cast<int>(m_exit);
        return m_summary;
    }

  private:
    std::optional<Error> setup_channels() {
        auto main = DnsChannel::create(m_loop, m_options.resolvers, m_options.timeout);
        if (!main) {
            return main.error();
        }
        m_summary.resolvers = (*main)->servers();
        for (const auto& s : m_summary.resolvers) {
            if (is_public_resolver(s, m_catalog.public_resolvers)) {
                m_sink.on_warning(fmt::format(
                    "resolver {} is a public resolver: Spamhaus, URIBL, DNSWL and others refuse or "
                    "mis-answer queries from it; use your own recursive resolver",
                    s));
            }
        }
        m_channels.push_back(std::move(main.value()));
        std::unordered_map<std::string, DnsChannel*> by_server;
        for (auto& zs : m_zones) {
            zs.channel = m_channels.front().get();
            std::string server = zs.zone->server;
            for (const auto& [name, srv] : m_options.zone_servers) {
                if (name == zs.zone->zone || name == zs.zone->id) {
                    server = srv;
                }
            }
            if (!server.empty()) {
                auto& ch = by_server[server];
                if (ch == nullptr) {
                    auto c = DnsChannel::create(m_loop, {server}, m_options.timeout);
                    if (!c) {
                        return Error{c.error().message,
                                     fmt::format("zone server for {}", zs.zone->zone)};
                    }
                    ch = c->get();
                    m_channels.push_back(std::move(c.value()));
                }
                zs.channel = ch;
            }
            if (zs.zone->kind == ZoneKind::http) {
                if (auto err = setup_http_source(zs)) {
                    return err;
                }
                continue;
            }
            if (!zs.zone->key_env.empty()) {
                const std::string key_text = key_for(zs.zone->key_env);
                const char* key = key_text.c_str();
                if (*key == '\0') {
                    zs.skip_reason = fmt::format("needs a key: set {}", zs.zone->key_env);
                } else if (!is_valid_hostname(std::string(key) + ".test")) {
                    zs.skip_reason =
                        fmt::format("the key in {} is not a valid DNS label", zs.zone->key_env);
                } else {
                    zs.suffix.replace(zs.suffix.find("{key}"), 5, key);
                }
            }
        }
        return std::nullopt;
    }

    std::string key_for(const std::string& variable) const {
        return key_value(variable, m_options.keys);
    }

    std::optional<Error> setup_http_source(ZoneState& zs) {
        zs.adapter = find_adapter(zs.zone->adapter);
        if (zs.adapter == nullptr) {
            zs.skip_reason = fmt::format("rblscope has no adapter \"{}\"", zs.zone->adapter);
            return std::nullopt;
        }
        if (!zs.zone->key_env.empty()) {
            zs.key = key_for(zs.zone->key_env);
        }
        if (zs.adapter->needs_key && zs.key.empty()) {
            zs.skip_reason =
                fmt::format("needs an API key: set {}",
                            zs.zone->key_env.empty() ? "key_env in the catalog" : zs.zone->key_env);
            return std::nullopt;
        }
        if (zs.key.find_first_of("\r\n") != std::string::npos) {
            zs.skip_reason = fmt::format("the key in {} contains a line break", zs.zone->key_env);
            return std::nullopt;
        }
        if (!m_http) {
            m_http = std::make_unique<HttpClient>(m_loop, m_options.ca_file);
        }
        if (zs.adapter->bulk != nullptr) {
            zs.bulk = std::make_unique<BulkState>();
        }
        return std::nullopt;
    }

    // Downloaded lists are kept between runs for as long as their adapter says (Spamhaus
    // asks for at most hourly fetches), and an older copy is used, with a warning, when a
    // fresh fetch fails.
    static constexpr std::chrono::hours k_download_usable{24 * 7};

    void issue_bulk(const Job& j) {
        --m_in_flight; // parked or answered now: the window is for network requests
        const std::size_t zi = j.target->lookups[j.index].zone;
        BulkState& b = *m_zones[zi].bulk;
        switch (b.phase) {
        case BulkState::Phase::ready:
        case BulkState::Phase::failed:
            answer_bulk(zi, j);
            return;
        case BulkState::Phase::idle:
            start_bulk(zi);
            break;
        case BulkState::Phase::loading:
            break;
        }
        if (b.phase == BulkState::Phase::loading) {
            b.parked.push_back(j);
        } else {
            answer_bulk(zi, j); // every file came from the disk copy
        }
    }

    void answer_bulk(std::size_t zi, const Job& j) {
        const ZoneState& zs = m_zones[zi];
        Lookup& l = j.target->lookups[j.index];
        if (zs.bulk->phase == BulkState::Phase::failed) {
            SourceReading r;
            r.error = zs.bulk->error;
            l.http = std::move(r);
        } else if (zs.adapter->read_with != nullptr) {
            // Two-step: the list is here, now the per-address request (ASN-DROP: the origin).
            ++m_in_flight;
            issue_http(j);
            return;
        } else {
            l.http = match_bulk(*zs.adapter, zs.bulk->blocks, *IpAddress::parse(l.subject), zs.key);
        }
        finish_lookup(*j.target);
    }

    void start_bulk(std::size_t zi) {
        ZoneState& zs = m_zones[zi];
        BulkState& b = *zs.bulk;
        b.phase = BulkState::Phase::loading;
        const std::string dir = download_dir(m_options.cache_dir);
        const auto files = zs.adapter->bulk->files(*zs.zone, zs.key);
        b.downloads_left = static_cast<int>(files.size());
        for (const auto& file : files) {
            const std::string& url = file.url;
            const std::string& name = file.name;
            const std::string path = dir.empty() ? std::string() : download_path(dir, url);
            if (!path.empty()) {
                if (auto stored = read_download(path, zs.adapter->bulk->fresh)) {
                    if (auto blocks = parse_file(zi, name, stored->body)) {
                        bulk_file_done(zi, name, std::move(blocks));
                        continue;
                    }
                    // A damaged copy: fetched again, and replaced if the new one reads.
                }
            }
            HttpRequest req;
            req.url = url;
            req.timeout = m_options.http_timeout;
            req.max_body = 16 * 1024 * 1024;
            ++m_summary.http_requests;
            http_get(std::move(req), [this, zi, name, path](HttpResponse&& response) {
                std::string error;
                if (response.timed_out || !response.error.empty()) {
                    error = "download failed: " + sanitize_text(response.error, 300);
                    source::redact(error, m_zones[zi].key);
                } else if (response.status != 200) {
                    error = fmt::format("download failed: HTTP {}", response.status);
                }
                if (error.empty()) {
                    auto blocks = parse_file(zi, name, response.body);
                    // Only a file that reads is kept: a broken one must not be served for hours.
                    if (blocks && !path.empty()) {
                        if (auto why = write_download(path, response.body); !why.empty()) {
                            m_sink.on_warning("download cache: " + why);
                        }
                    }
                    bulk_file_done(zi, name, std::move(blocks));
                    return;
                }
                if (auto old =
                        path.empty() ? std::nullopt : read_download(path, k_download_usable)) {
                    if (auto blocks = parse_file(zi, name, old->body)) {
                        m_sink.on_warning(fmt::format("{}: {}; using the copy from {} hours ago",
                                                      name,
                                                      error,
                                                      old->age.count() / 3600));
                        bulk_file_done(zi, name, std::move(blocks));
                        return;
                    }
                }
                bulk_file_done(zi, name, Error{fmt::format("{}: {}", name, error), {}});
            });
        }
    }

    using FileBlocks = Result<std::vector<ListedBlock>>;

    FileBlocks parse_file(std::size_t zi, const std::string& name, std::string_view body) const {
        return parse_bulk(*m_zones[zi].adapter, body, name, m_zones[zi].key);
    }

    void bulk_file_done(std::size_t zi, const std::string& name, FileBlocks blocks) {
        BulkState& b = *m_zones[zi].bulk;
        if (blocks) {
            b.blocks.insert(b.blocks.end(), blocks->begin(), blocks->end());
        } else {
            b.errors[name] = blocks.error().message;
        }
        if (--b.downloads_left > 0) {
            return;
        }
        for (const auto& [file, why] : b.errors) {
            b.error += (b.error.empty() ? "" : "; ") + why;
        }
        b.phase = b.error.empty() ? BulkState::Phase::ready : BulkState::Phase::failed;
        if (b.phase == BulkState::Phase::failed) {
            b.blocks.clear();
        }
        auto parked = std::move(b.parked);
        b.parked.clear();
        for (const auto& j : parked) {
            answer_bulk(zi, j);
        }
    }

    // HTTP manners: at most `rate` requests a second per source, and a failed request is
    // tried again a bounded number of times: after a backoff for a 5xx or a broken
    // connection, after the server's Retry-After for a 429 when that is short.
    static constexpr int k_http_retries = 2;
    static constexpr std::chrono::milliseconds k_http_backoff{500};
    static constexpr long k_max_retry_after_s = 5;

    struct HttpOpen {
        Job job;
        int attempt = 0;
    };

    void issue_http(const Job& j) {
        Lookup& l = j.target->lookups[j.index];
        const std::uint64_t id = m_next_request++;
        m_http_open.emplace(id, HttpOpen{j, 0});
        l.started = Clock::now();
        send_http(id, Clock::now());
    }

    // Sends request `id` at `earliest` or at its source's next free slot, whichever is later.
    void send_http(std::uint64_t id, Clock::time_point earliest) {
        const auto it = m_http_open.find(id);
        if (it == m_http_open.end()) {
            return; // settled by the run's deadline
        }
        ZoneState& zs = m_zones[it->second.job.target->lookups[it->second.job.index].zone];
        const auto gap = std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(1.0 / zs.zone->rate));
        const auto at = std::max({earliest, zs.next_slot, Clock::now()});
        zs.next_slot = at + gap;
        if (at > Clock::now()) {
            m_loop.add_timer(at, [this, id] { transmit_http(id); });
        } else {
            transmit_http(id);
        }
    }

    void transmit_http(std::uint64_t id) {
        const auto it = m_http_open.find(id);
        if (it == m_http_open.end()) {
            return;
        }
        const Job& j = it->second.job;
        const Lookup& l = j.target->lookups[j.index];
        const ZoneState& zs = m_zones[l.zone];
        HttpRequest req = zs.adapter->request(*zs.zone, zs.key, l.subject);
        req.timeout = m_options.http_timeout;
        ++m_summary.http_requests;
        http_get(std::move(req),
                 [this, id](HttpResponse&& response) { on_http(id, std::move(response)); });
    }

    // An HTTP request whose host name is resolved first by c-ares, in this loop, and handed
    // to libcurl (CURLOPT_RESOLVE): libcurl's own resolver would start a thread.
    void http_get(HttpRequest req, HttpClient::Callback callback) {
        const auto host = host_to_resolve(req.url);
        if (!host) {
            m_http->get(std::move(req), std::move(callback));
            return;
        }
        const std::string key = fmt::format("{}:{}", host->host, host->port);
        if (const auto it = m_host_addresses.find(key); it != m_host_addresses.end()) {
            req.resolve = it->second;
            m_http->get(std::move(req), std::move(callback));
            return;
        }
        m_channels.front()->resolve_host(
            host->host,
            [this, key, h = *host, req = std::move(req), callback = std::move(callback)](
                DnsReply&& reply) mutable {
                std::string address;
                if (!reply.a.empty()) {
                    address = IpAddress::v4(reply.a.front()).to_string();
                } else if (!reply.aaaa.empty()) {
                    address = "[" + IpAddress::v6(reply.aaaa.front()).to_string() + "]";
                }
                if (address.empty()) {
                    HttpResponse failed;
                    failed.error =
                        fmt::format("could not resolve {}: {}",
                                    h.host,
                                    reply.status == DnsStatus::answered ? std::string("no address")
                                                                        : dns_status_text(reply));
                    callback(std::move(failed));
                    return;
                }
                req.resolve = fmt::format("{}:{}:{}", h.host, h.port, address);
                m_host_addresses[key] = req.resolve;
                m_http->get(std::move(req), std::move(callback));
            });
    }

    void on_http(std::uint64_t id, HttpResponse&& response) {
        const auto it = m_http_open.find(id);
        if (it == m_http_open.end()) {
            return; // settled by the run's deadline
        }
        HttpOpen& open = it->second;
        if (open.attempt < k_http_retries && !response.timed_out) {
            std::optional<std::chrono::milliseconds> wait;
            if (!response.error.empty() || response.status >= 500) {
                wait = k_http_backoff * (1 << open.attempt);
            } else if (response.status == 429 && response.retry_after_s &&
                       *response.retry_after_s <= k_max_retry_after_s) {
                wait = std::chrono::seconds(*response.retry_after_s);
            }
            if (wait) {
                ++open.attempt;
                send_http(id, Clock::now() + *wait);
                return;
            }
        }
        const Job job = open.job;
        m_http_open.erase(it);
        --m_in_flight;
        Lookup& lookup = job.target->lookups[job.index];
        const ZoneState& source = m_zones[lookup.zone];
        lookup.http = read_response(
            *source.adapter, response, source.key, source.bulk ? &source.bulk->blocks : nullptr);
        lookup.raw.elapsed_ms = ms_since(lookup.started);
        finish_lookup(*job.target);
    }

    // Test points go first so zone health is known by the time real answers arrive.
    void start_tests() {
        for (std::size_t i = 0; i < m_zones.size(); ++i) {
            const auto& zs = m_zones[i];
            if (!zs.skip_reason.empty() ||
                (!zs.down_reason.empty() && !m_options.test_zones_down)) {
                continue;
            }
            const auto add = [&](const std::optional<TestPoint>& point, JobKind kind, bool v6) {
                if (point) {
                    m_queue.push_back(Job{nullptr, i, kind, 0, v6});
                    ++m_tests_outstanding;
                }
            };
            add(zs.zone->test_listed, JobKind::test_listed, false);
            add(zs.zone->test_unlisted, JobKind::test_unlisted, false);
            add(zs.zone->test_listed6, JobKind::test_listed, true);
            add(zs.zone->test_unlisted6, JobKind::test_unlisted, true);
        }
        if (m_tests_outstanding == 0) {
            assess_zones();
        }
    }

    [[nodiscard]] bool finished() const {
        return m_source_done && m_active.empty() && m_in_flight == 0 && m_queue.empty() &&
               m_urgent.empty() && m_tests_outstanding == 0;
    }

    std::size_t max_active() const {
        return static_cast<std::size_t>(std::max(64, m_options.concurrency));
    }

    void fill() {
        while (m_in_flight < m_options.concurrency) {
            if (!m_urgent.empty()) {
                const Job j = m_urgent.front();
                m_urgent.pop_front();
                issue(j);
                continue;
            }
            if (m_queue.empty() && !activate_next()) {
                break;
            }
            if (m_queue.empty()) {
                continue; // the target needed no queries (it may have been emitted already)
            }
            const Job j = m_queue.front();
            m_queue.pop_front();
            issue(j);
        }
    }

    void drain() {
        bool any = true;
        while (any) {
            any = false;
            for (auto& ch : m_channels) {
                ch->drain();
            }
            if (m_http) {
                m_http->drain();
            }
            // Completions may have queued retries; issue them before sleeping.
            if (!m_urgent.empty() && m_in_flight < m_options.concurrency) {
                fill();
                any = true;
            }
        }
    }

    /// Reads the next target and queues its lookups. False when no target can start now.
    bool activate_next() {
        if (m_source_done || m_active.size() >= max_active()) {
            return false;
        }
        while (true) {
            auto item = m_source.next();
            if (!item) {
                if (const int fd = m_source.waiting_fd(); fd >= 0) {
                    wait_for_input(fd);
                } else {
                    m_source_done = true;
                }
                return false;
            }
            if (!item->ok()) {
                ++m_summary.input_errors;
                m_exit = worst_of(m_exit, ExitCode::unknown);
                m_sink.on_input_error(item->error());
                continue;
            }
            start_target(std::move(item->value()));
            return true;
        }
    }

    // A pipe paused: the loop sleeps until it is readable (or anything else happens).
    void wait_for_input(int fd) {
        if (m_input_fd >= 0) {
            return;
        }
        m_input_fd = fd;
        m_loop.watch(fd, true, false, [this](int, bool, bool) { stop_waiting_for_input(); });
    }

    void stop_waiting_for_input() {
        if (m_input_fd >= 0) {
            m_loop.unwatch(m_input_fd);
            m_input_fd = -1;
        }
    }

    void add_lookup(ActiveTarget& t,
                    std::size_t zone,
                    std::string subject,
                    std::string prefix,
                    bool ip_subject,
                    bool front) {
        Lookup l;
        l.zone = zone;
        l.subject = std::move(subject);
        l.prefix = std::move(prefix);
        l.ip_subject = ip_subject;
        l.v6_subject = ip_subject && l.subject.find(':') != std::string::npos;
        t.lookups.push_back(std::move(l));
        const std::size_t idx = t.lookups.size() - 1;
        ++t.outstanding;
        const Job j{&t, idx, JobKind::lookup, 0};
        if (front) {
            m_queue.push_front(j);
        } else {
            m_queue.push_back(j);
        }
    }

    void add_ip_lookups(ActiveTarget& t, const IpAddress& ip, bool front) {
        for (std::size_t z = 0; z < m_zones.size(); ++z) {
            if (m_zones[z].zone->takes(ip.family())) {
                add_lookup(t, z, ip.to_string(), ip.reversed(), true, front);
            }
        }
    }

    void add_domain_lookups(ActiveTarget& t, const std::string& name) {
        const std::string reg = registered_domain(name);
        for (std::size_t z = 0; z < m_zones.size(); ++z) {
            const Zone& zone = *m_zones[z].zone;
            if (zone.kind != ZoneKind::domain) {
                continue;
            }
            const bool want_host = zone.domain_query != "registered" || reg == name;
            const bool want_reg = zone.domain_query != "hostname" && reg != name;
            if (want_host) {
                add_lookup(t, z, name, name, false, false);
            }
            if (want_reg) {
                add_lookup(t, z, reg, reg, false, false);
            }
        }
    }

    void start_target(Target target) {
        auto owned = std::make_unique<ActiveTarget>();
        ActiveTarget& t = *owned;
        t.report.target = std::move(target);
        m_active.push_back(std::move(owned));
        const Target& tg = t.report.target;
        switch (tg.kind) {
        case Target::Kind::ip:
        case Target::Kind::cidr:
            t.report.ip = tg.ip;
            add_ip_lookups(t, tg.ip, false);
            break;
        case Target::Kind::hostname:
            add_domain_lookups(t, tg.hostname);
            t.outstanding += 2;
            m_queue.push_back(Job{&t, 0, JobKind::resolve_a, 0});
            m_queue.push_back(Job{&t, 0, JobKind::resolve_aaaa, 0});
            break;
        case Target::Kind::email: {
            add_domain_lookups(t, tg.hostname);
            const std::string canonical = normalize_email(tg.email);
            for (std::size_t z = 0; z < m_zones.size(); ++z) {
                const Zone& zone = *m_zones[z].zone;
                if (zone.kind == ZoneKind::hash) {
                    add_lookup(t, z, canonical, hash_label(canonical, zone.hash), false, false);
                }
            }
            break;
        }
        }
        if (t.outstanding == 0) {
            t.report.problems.push_back("no zone in the selection takes this kind of target");
            emit_ready();
        }
    }

    /// Where a job's query goes: channel, name and type.
    struct Destination {
        DnsChannel* channel = nullptr;
        std::string name;
        DnsChannel::Type type = DnsChannel::Type::a;
    };

    Destination destination(const Job& j) {
        switch (j.kind) {
        case JobKind::test_listed:
        case JobKind::test_unlisted: {
            auto& zs = m_zones[j.index];
            const auto& point = *test_point_of(*zs.zone, j);
            std::string prefix = point.subject;
            if (zs.zone->takes_ip()) {
                prefix = IpAddress::parse_exact(point.subject)->reversed();
            }
            return {zs.channel, prefix + "." + zs.suffix, DnsChannel::Type::a};
        }
        case JobKind::resolve_a:
        case JobKind::resolve_aaaa:
            return {m_channels.front().get(),
                    j.target->report.target.hostname,
                    j.kind == JobKind::resolve_a ? DnsChannel::Type::a : DnsChannel::Type::aaaa};
        case JobKind::lookup:
        case JobKind::txt: {
            const Lookup& l = j.target->lookups[j.index];
            auto& zs = m_zones[l.zone];
            return {zs.channel,
                    l.prefix + "." + zs.suffix,
                    j.kind == JobKind::txt ? DnsChannel::Type::txt : DnsChannel::Type::a};
        }
        }
        return {};
    }

    // One lookup in flight. --timeout bounds it as a whole; --retries extra copies go out at
    // evenly spaced points inside that budget while earlier ones stay alive, and the first
    // answer wins. A dead list therefore costs exactly --timeout, however many retries.
    struct Request {
        Job job;
        Destination dest;
        RttEstimator* rtt = nullptr;
        Clock::time_point started;
        int sent = 0;
        int planned = 1; ///< copies that will be sent if no answer comes
        int outstanding = 0;
        std::optional<DnsReply> fallback; ///< a failure worth reporting if nothing better comes
        std::vector<EventLoop::TimerId> timers;
    };

    void issue(const Job& j) {
        ++m_in_flight;
        if (j.kind == JobKind::lookup || j.kind == JobKind::txt) {
            const Lookup& l = j.target->lookups[j.index];
            const auto& zs = m_zones[l.zone];
            if (!zs.skip_reason.empty() || !zs.down_reason.empty()) {
                --m_in_flight;
                dispatch(j,
                         {},
                         Clock::now(),
                         0,
                         zs.skip_reason.empty() ? Ending::down : Ending::skipped);
                return;
            }
        }
        if (j.kind == JobKind::lookup &&
            m_zones[j.target->lookups[j.index].zone].zone->kind == ZoneKind::http) {
            if (m_zones[j.target->lookups[j.index].zone].bulk) {
                issue_bulk(j);
            } else {
                issue_http(j);
            }
            return;
        }
        if (m_cache) {
            const auto dest = destination(j);
            if (auto hit = m_cache->get(m_server_keys[dest.channel], dest.type, dest.name)) {
                --m_in_flight;
                ++m_summary.cached_answers;
                dispatch(j, std::move(*hit), Clock::now(), 0);
                return;
            }
        }
        if (m_options.zone_rate > 0 && !j.paced && pace(j)) {
            return;
        }
        const std::uint64_t id = m_next_request++;
        Request& rq = m_requests[id];
        rq.job = j;
        rq.dest = destination(j);
        rq.rtt = estimator_for(j);
        rq.started = Clock::now();
        const auto budget = m_options.timeout;
        rq.timers.push_back(m_loop.add_timer(rq.started + budget, [this, id] { on_deadline(id); }));
        const auto gap = retransmit_after(*rq.rtt);
        for (int k = 1; k <= m_options.retries; ++k) {
            // One RTO apart, except that with two or more retries the last copy waits for half
            // the budget: the early copies recover a lost packet within milliseconds, the late
            // one a server that dropped a whole burst or stalled for a moment (copies 20 ms
            // apart are lost together). Jitter (+-25%) keeps copies of queries sent together
            // from leaving together and overflowing the server's buffer again.
            auto at = gap * k;
            if (k == m_options.retries && k > 1) {
                at =
                    std::max(at, std::chrono::duration_cast<std::chrono::milliseconds>(budget / 2));
            }
            at = std::chrono::duration_cast<std::chrono::milliseconds>(at * m_jitter(m_rng));
            if (at >= budget) {
                break;
            }
            rq.timers.push_back(m_loop.add_timer(rq.started + at, [this, id] { send(id); }));
            ++rq.planned;
        }
        send(id);
    }

    // The per-zone rate cap (EngineOptions::zone_rate): a query whose zone has used its
    // share waits for the zone's next slot on a timer, keeping its place in the window.
    // True when the job was deferred.
    bool pace(const Job& j) {
        ZoneState* zs = nullptr;
        switch (j.kind) {
        case JobKind::test_listed:
        case JobKind::test_unlisted:
            zs = &m_zones[j.index];
            break;
        case JobKind::lookup:
        case JobKind::txt:
            zs = &m_zones[j.target->lookups[j.index].zone];
            break;
        case JobKind::resolve_a:
        case JobKind::resolve_aaaa:
            return false; // the resolver's own names, not a list's
        }
        const auto now = Clock::now();
        const auto gap = std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(1.0 / m_options.zone_rate));
        const auto at = std::max(zs->next_slot, now);
        zs->next_slot = at + gap;
        if (at <= now) {
            return false;
        }
        const std::uint64_t id = m_next_request++;
        Job later = j;
        later.paced = true;
        const auto timer = m_loop.add_timer(at, [this, id] {
            const auto node = m_paced.extract(id);
            if (node.empty()) {
                return;
            }
            --m_in_flight;
            issue(node.mapped().first);
        });
        m_paced.emplace(id, std::pair{later, timer});
        return true;
    }

    RttEstimator* estimator_for(const Job& j) {
        switch (j.kind) {
        case JobKind::test_listed:
        case JobKind::test_unlisted:
            return &m_zones[j.index].rtt;
        case JobKind::lookup:
        case JobKind::txt:
            return &m_zones[j.target->lookups[j.index].zone].rtt;
        case JobKind::resolve_a:
        case JobKind::resolve_aaaa:
            return &m_resolver_rtt;
        }
        return &m_resolver_rtt;
    }

    // When to send the next copy of an unanswered query: the destination's RTO once its
    // round-trip time is known (a lost packet then costs tens of milliseconds, and a slow
    // but working list gets no needless copies), else an even share of the budget.
    std::chrono::milliseconds retransmit_after(const RttEstimator& rtt) const {
        const auto share = m_options.timeout / (m_options.retries + 1);
        if (!rtt.has_sample) {
            return std::min(share, k_first_retransmit);
        }
        const double rto = std::max(rtt.srtt_ms + 4 * rtt.rttvar_ms,
                                    static_cast<double>(k_min_retransmit.count()));
        return std::chrono::milliseconds(static_cast<long>(rto));
    }

    void send(std::uint64_t id) {
        const auto it = m_requests.find(id);
        if (it == m_requests.end()) {
            return;
        }
        Request& rq = it->second;
        ++rq.sent;
        ++rq.outstanding;
        ++m_summary.queries;
        rq.dest.channel->query(rq.dest.name, rq.dest.type, [this, id](DnsReply&& reply) {
            on_sent_reply(id, std::move(reply));
        });
    }

    void on_sent_reply(std::uint64_t id, DnsReply&& reply) {
        const auto it = m_requests.find(id);
        if (it == m_requests.end()) {
            return; // a copy answering after the request was settled
        }
        Request& rq = it->second;
        --rq.outstanding;
        // Connection refused is not final while other copies may still get through: c-ares
        // fails every query pending on a server when one TCP fallback is refused.
        const bool tentative =
            reply.status == DnsStatus::timeout || reply.status == DnsStatus::connection_refused;
        if (tentative) {
            // Keep the most telling failure: connection refused beats a plain timeout.
            if (reply.status == DnsStatus::connection_refused || !rq.fallback) {
                rq.fallback = std::move(reply);
            }
            const bool more_coming = rq.outstanding > 0 || rq.sent < rq.planned;
            if (more_coming) {
                return;
            }
            DnsReply final_reply = std::move(*rq.fallback);
            settle(it, std::move(final_reply));
            return;
        }
        settle(it, std::move(reply));
    }

    // The whole run's deadline: settle everything still open as timed out and read no more
    // input, so what was decided is reported at once.
    // The deadline passed, or the run was told to stop (m_summary.interrupted).
    void on_run_deadline() {
        if (!m_summary.interrupted) {
            m_summary.deadline_reached = true;
        }
        m_source_done = true;
        stop_waiting_for_input();
        std::vector<std::uint64_t> open;
        open.reserve(m_requests.size());
        for (const auto& [id, rq] : m_requests) {
            open.push_back(id);
        }
        for (const auto id : open) {
            if (const auto it = m_requests.find(id); it != m_requests.end()) {
                settle(it, {}, Ending::cut);
            }
        }
        const auto cut_short = [this](const Job& j, std::string_view before) {
            SourceReading cut;
            cut.status = Status::timeout;
            cut.error = deadline_text(before);
            j.target->lookups[j.index].http = std::move(cut);
            finish_lookup(*j.target);
        };
        for (auto& zs : m_zones) {
            if (zs.bulk) {
                auto parked = std::move(zs.bulk->parked);
                zs.bulk->parked.clear();
                for (const auto& j : parked) {
                    cut_short(j, "the list was downloaded");
                }
            }
        }
        auto http_open = std::move(m_http_open);
        m_http_open.clear();
        for (const auto& [id, pending] : http_open) {
            --m_in_flight;
            Lookup& l = pending.job.target->lookups[pending.job.index];
            l.raw.elapsed_ms = ms_since(l.started);
            cut_short(pending.job, "an answer");
        }
        auto paced = std::move(m_paced);
        m_paced.clear();
        for (const auto& [id, waiting] : paced) {
            m_loop.cancel_timer(waiting.second);
            --m_in_flight;
            dispatch(waiting.first, {}, Clock::now(), 0, Ending::cut);
        }
        while (!m_urgent.empty() || !m_queue.empty()) {
            auto& q = m_urgent.empty() ? m_queue : m_urgent;
            const Job j = q.front();
            q.pop_front();
            dispatch(j, {}, Clock::now(), 0, Ending::cut);
        }
    }

    void on_deadline(std::uint64_t id) {
        const auto it = m_requests.find(id);
        if (it == m_requests.end()) {
            return;
        }
        DnsReply timeout;
        timeout.status = DnsStatus::timeout;
        auto& fallback = it->second.fallback;
        settle(it,
               fallback && fallback->status == DnsStatus::connection_refused ? std::move(*fallback)
                                                                             : std::move(timeout));
    }

    // By value: `reply` may live inside the Request erased below (the fallback copy).
    void settle(std::unordered_map<std::uint64_t, Request>::iterator it,
                DnsReply reply,
                Ending ending = Ending::replied) {
        for (const auto& t : it->second.timers) {
            m_loop.cancel_timer(t);
        }
        const Job job = it->second.job;
        if (m_cache && ending == Ending::replied) {
            const auto& dest = it->second.dest;
            m_cache->put(m_server_keys[dest.channel], dest.type, dest.name, reply);
        }
        const auto started = it->second.started;
        const int sent = it->second.sent;
        // Karn: only a query sent once gives an unambiguous round-trip sample.
        if (ending == Ending::replied && sent == 1 && reply.status != DnsStatus::timeout &&
            reply.status != DnsStatus::connection_refused) {
            it->second.rtt->add(
                std::chrono::duration<double, std::milli>(Clock::now() - started).count());
        }
        m_requests.erase(it);
        --m_in_flight;
        dispatch(job, std::move(reply), started, sent, ending);
    }

    std::string deadline_text(std::string_view before) const {
        if (m_summary.interrupted) {
            return fmt::format("the run was interrupted before {}", before);
        }
        return fmt::format("the run's deadline of {:g} s passed before {}",
                           static_cast<double>(m_options.deadline.count()) / 1000.0,
                           before);
    }

    std::string timeout_text(int sent) const {
        return fmt::format("no answer within {:g} s ({} {} sent)",
                           static_cast<double>(m_options.timeout.count()) / 1000.0,
                           sent,
                           sent == 1 ? "query" : "queries");
    }

    void dispatch(const Job& j,
                  DnsReply&& reply,
                  Clock::time_point started,
                  int sent,
                  Ending ending = Ending::replied) {
        RawAnswer raw = ending == Ending::replied ? to_raw(reply) : RawAnswer{};
        if (ending == Ending::cut) {
            raw.kind = RawAnswer::Kind::timeout;
        }
        raw.elapsed_ms = ms_since(started);
        raw.tries = sent;
        if (ending == Ending::cut) {
            raw.detail = deadline_text("an answer");
        } else if (raw.kind == RawAnswer::Kind::timeout) {
            raw.detail = timeout_text(sent);
        }
        switch (j.kind) {
        case JobKind::test_listed:
        case JobKind::test_unlisted: {
            auto& zs = m_zones[j.index];
            const bool listed = j.kind == JobKind::test_listed;
            (j.v6_point ? (listed ? zs.test_listed6 : zs.test_unlisted6)
                        : (listed ? zs.test_listed : zs.test_unlisted)) = raw;
            if (--m_tests_outstanding == 0) {
                assess_zones();
            }
            return;
        }
        case JobKind::resolve_a:
        case JobKind::resolve_aaaa:
            on_resolved(j, reply, raw);
            return;
        case JobKind::txt: {
            Lookup& l = j.target->lookups[j.index];
            if (ending == Ending::replied && reply.status == DnsStatus::answered) {
                l.txt = txt_reason(reply);
            }
            finish_lookup(*j.target);
            return;
        }
        case JobKind::lookup: {
            Lookup& l = j.target->lookups[j.index];
            if (ending == Ending::skipped) {
                raw.kind = RawAnswer::Kind::skipped;
                raw.detail = m_zones[l.zone].skip_reason;
            } else if (ending == Ending::down) {
                raw.kind = RawAnswer::Kind::failure; // an error, never clean
                raw.detail = "not asked: " + m_zones[l.zone].down_reason;
            }
            l.raw = std::move(raw);
            const Zone& zone = *m_zones[l.zone].zone;
            if (l.raw.kind == RawAnswer::Kind::answers && zone.txt && m_options.ask_txt &&
                read_answers(zone, l.raw.a).status == Status::listed) {
                m_urgent.push_back(Job{j.target, j.index, JobKind::txt, 0});
                return;
            }
            finish_lookup(*j.target);
            return;
        }
        }
    }

    void on_resolved(const Job& j, const DnsReply& reply, const RawAnswer& raw) {
        ActiveTarget& t = *j.target;
        const std::string& name = t.report.target.hostname;
        const char* type = j.kind == JobKind::resolve_a ? "A" : "AAAA";
        if (raw.kind == RawAnswer::Kind::answers || reply.status == DnsStatus::answered) {
            for (const auto a : reply.a) {
                const auto ip = IpAddress::v4(a);
                t.report.addresses.push_back({name, ip});
                add_ip_lookups(t, ip, true);
                ++t.resolve_answers;
            }
            for (const auto& b : reply.aaaa) {
                const auto ip6 = IpAddress::v6(b);
                // A mapped address in AAAA is still the IPv4 host.
                const auto ip = IpAddress::parse(ip6.to_string()).value_or(ip6);
                t.report.addresses.push_back({name, ip});
                add_ip_lookups(t, ip, true);
                ++t.resolve_answers;
            }
        } else if (raw.kind != RawAnswer::Kind::nxdomain && raw.kind != RawAnswer::Kind::nodata) {
            t.resolve_failed = true;
            const auto err = classify(make_bare_zone("resolver"), raw, {}).error;
            t.report.problems.push_back(
                fmt::format("could not resolve {} ({}): {}", name, type, err));
        }
        finish_lookup(t);
    }

    void finish_lookup(ActiveTarget& t) {
        if (--t.outstanding == 0) {
            emit_ready();
        }
    }

    void assess_zones() {
        for (auto& zs : m_zones) {
            const Zone& z = *zs.zone;
            zs.health = assess_health(z,
                                      {opt_ptr(z.test_listed), &zs.test_listed},
                                      {opt_ptr(z.test_unlisted), &zs.test_unlisted});
            zs.health6 = assess_health(z,
                                       {opt_ptr(z.test_listed6), &zs.test_listed6},
                                       {opt_ptr(z.test_unlisted6), &zs.test_unlisted6});
        }
        report_zone_health();
        emit_ready();
    }

    // Each DNS zone's test points, judged, to the sink; one warning naming the zones the
    // catalog calls active whose points argue for a catalog edit (lists everything, answers
    // outside 127/8, no answer). Refusals depend on the resolver and are reported per result.
    void report_zone_health() {
        std::vector<std::string> failing;
        std::size_t asked = 0, silent = 0;
        for (const auto& zs : m_zones) {
            const Zone& z = *zs.zone;
            if (z.kind == ZoneKind::http) {
                continue;
            }
            ZoneHealthReport r;
            if (!zs.skip_reason.empty()) {
                r.zone = &z;
                r.evidence = "not asked: " + zs.skip_reason;
            } else if (!zs.down_reason.empty() && !m_options.test_zones_down) {
                r.zone = &z;
                r.evidence = "not asked: " + zs.down_reason;
            } else {
                r = judge_zone(z,
                               {opt_ptr(z.test_listed), &zs.test_listed},
                               {opt_ptr(z.test_unlisted), &zs.test_unlisted},
                               {opt_ptr(z.test_listed6), &zs.test_listed6},
                               {opt_ptr(z.test_unlisted6), &zs.test_unlisted6});
            }
            asked += r.condition == ZoneCondition::untested ? 0 : 1;
            silent += r.condition == ZoneCondition::no_answer ? 1 : 0;
            const bool edit = r.condition == ZoneCondition::lists_everything ||
                              r.condition == ZoneCondition::outside_127 ||
                              r.condition == ZoneCondition::no_answer;
            if (!z.bare && z.status == ZoneStatus::active && edit) {
                failing.push_back(fmt::format("{} ({})", z.zone, to_string(r.condition)));
            }
            m_sink.on_zone_health(r);
        }
        if (failing.empty() || !m_options.warn_failing_zones) {
            return;
        }
        if (silent * 2 > asked) {
            // Most lists silent at once says more about the resolver than about the lists.
            m_sink.on_warning(fmt::format("{} of {} zones did not answer their test points: the "
                                          "resolver or the network is the likely cause; "
                                          "`rblscope zones --health` shows the evidence",
                                          silent,
                                          asked));
            return;
        }
        constexpr std::size_t k_named = 8;
        const auto more = failing.size() > k_named ? failing.size() - k_named : 0;
        failing.resize(std::min(failing.size(), k_named));
        m_sink.on_warning(fmt::format(
            "{} the catalog calls active failed {} test points here: {}{}; `rblscope zones "
            "--health` shows the evidence and the catalog edits it suggests",
            failing.size() + more == 1 ? "a zone" : fmt::format("{} zones", failing.size() + more),
            failing.size() + more == 1 ? "its" : "their",
            fmt::join(failing, ", "),
            more > 0 ? fmt::format(" and {} more", more) : std::string()));
    }

    void emit_ready() {
        while (m_tests_outstanding == 0 && !m_active.empty() &&
               m_active.front()->outstanding == 0) {
            auto t = std::move(m_active.front());
            m_active.pop_front();
            emit(*t);
        }
    }

    void emit(ActiveTarget& t) {
        TargetReport& rep = t.report;
        if (rep.target.kind == Target::Kind::hostname && rep.addresses.empty() &&
            !t.resolve_failed) {
            rep.notes.push_back(
                fmt::format("{} has no A or AAAA record; only the domain lists were asked",
                            rep.target.hostname));
        }
        rep.results.reserve(t.lookups.size());
        for (auto& l : t.lookups) {
            const auto& zs = m_zones[l.zone];
            if (l.http) {
                rep.results.push_back(http_result(*zs.zone, l));
                continue;
            }
            // A "both" zone's IPv6 data is judged by its IPv6 test points.
            const bool by_v6_points = l.v6_subject && zs.zone->kind == ZoneKind::both;
            auto r = classify(*zs.zone, l.raw, by_v6_points ? zs.health6 : zs.health);
            r.subject = l.subject;
            r.txt = std::move(l.txt);
            if (r.status == Status::listed && !zs.zone->delist_url.empty()) {
                r.delist_url = expand_delist_url(zs.zone->delist_url, l.subject);
            }
            rep.results.push_back(std::move(r));
        }
        decide(rep);
        ++m_summary.targets;
        switch (rep.verdict) {
        case Verdict::listed:
            ++m_summary.listed;
            break;
        case Verdict::clean:
            ++m_summary.clean;
            break;
        case Verdict::unknown:
            ++m_summary.unknown;
            break;
        }
        rep.exit_code = static_cast<int>(exit_code_for(rep, m_options.exit_policy));
        m_exit = worst_of(m_exit, static_cast<ExitCode>(rep.exit_code));
        m_sink.on_target(rep);
    }

    const Catalog& m_catalog;
    ExpandingSource m_source;
    ResultSink& m_sink;
    const EngineOptions& m_options;
    EventLoop& m_loop;
    Clock::time_point m_started;
    std::vector<std::unique_ptr<DnsChannel>> m_channels;
    std::optional<AnswerCache> m_cache;
    std::unique_ptr<HttpClient> m_http;
    std::unordered_map<std::uint64_t, HttpOpen> m_http_open;
    std::unordered_map<std::string, std::string> m_host_addresses; ///< "host:port" -> RESOLVE
    std::unordered_map<const DnsChannel*, std::string> m_server_keys;
    std::vector<ZoneState> m_zones;
    std::deque<std::unique_ptr<ActiveTarget>> m_active;
    std::deque<Job> m_queue;
    std::deque<Job> m_urgent;
    std::unordered_map<std::uint64_t, Request> m_requests;
    /// Jobs waiting for their zone's rate slot, and the timer that will issue them.
    std::unordered_map<std::uint64_t, std::pair<Job, EventLoop::TimerId>> m_paced;
    RttEstimator m_resolver_rtt; ///< for hostname resolution
    std::minstd_rand m_rng{std::random_device{}()};
    std::uniform_real_distribution<double> m_jitter{0.75, 1.25};
    std::uint64_t m_next_request = 0;
    int m_in_flight = 0;
    int m_tests_outstanding = 0;
    bool m_source_done = false;
    int m_input_fd = -1; ///< watched while the input has no complete line
    ExitCode m_exit = ExitCode::ok;
    RunSummary m_summary;
};

} // namespace

Result<RunSummary> run_check(const std::vector<const Zone*>& zones,
                             const Catalog& catalog,
                             TargetSource& targets,
                             ResultSink& sink,
                             const EngineOptions& options) {
    EventLoop loop;
    Run run(loop, zones, catalog, targets, sink, options);
    return run.execute();
}

struct SteppedRun::Impl {
    Impl(const std::vector<const Zone*>& zones,
         const Catalog& catalog,
         TargetSource& targets,
         ResultSink& sink,
         const EngineOptions& options)
        : run(loop, zones, catalog, targets, sink, options) {}
    EventLoop loop; // declared first: the run's timers and sockets go before the loop
    Run run;
};

SteppedRun::SteppedRun(const std::vector<const Zone*>& zones,
                       const Catalog& catalog,
                       TargetSource& targets,
                       ResultSink& sink,
                       const EngineOptions& options)
    : m_impl(std::make_unique<Impl>(zones, catalog, targets, sink, options)) {}

SteppedRun::~SteppedRun() = default;

std::optional<Error> SteppedRun::start() {
    return m_impl->run.start();
}

bool SteppedRun::advance() {
    m_impl->loop.run_once(std::chrono::milliseconds(0));
    return m_impl->run.advance();
}

RunSummary SteppedRun::finish() {
    return m_impl->run.finish();
}

int SteppedRun::fd() const {
    return m_impl->loop.fd();
}

std::optional<std::chrono::steady_clock::time_point> SteppedRun::next_timer() const {
    return m_impl->loop.next_timer();
}

} // namespace rblscope
