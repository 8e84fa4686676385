#include "engine/http_sources.hpp"

#include "core/sanitize.hpp"
#include "net/dns_channel.hpp"
#include "rblscope/config.hpp"
#include "sources/download_cache.hpp"
#include "sources/google_auth.hpp"

#include <fmt/format.h>

namespace rblscope::engine {

namespace {

// Downloaded lists are kept between runs for as long as their adapter says (Spamhaus asks
// for at most hourly fetches), and an older copy is used, with a warning, when a fresh fetch
// fails.
constexpr std::chrono::hours k_download_usable{24 * 7};

// HTTP manners: at most `rate` requests a second per source, and a failed request is tried
// again a bounded number of times: after a backoff for a 5xx or a broken connection, after
// the server's Retry-After for a 429 when that is short.
constexpr int k_http_retries = 2;
constexpr std::chrono::milliseconds k_http_backoff{500};
constexpr long k_max_retry_after_s = 5;

// What request() is given and every text is cleaned of: the access token for sources
// behind OAuth (their key is a file's path), else the API key.
const std::string& secret_of(const ZoneState& zs) {
    return zs.token ? zs.token->value : zs.key;
}

} // namespace

HttpSources::HttpSources(EventLoop& loop,
                         const EngineOptions& options,
                         ResultSink& sink,
                         std::vector<ZoneState>& zones,
                         Destination& dest,
                         Finished finished)
    : m_loop(loop), m_options(options), m_sink(sink), m_zones(zones), m_dest(dest),
      m_finished(std::move(finished)) {}

HttpSources::~HttpSources() = default;

void HttpSources::set_up(ZoneState& zs, DnsChannel& resolver) {
    m_resolver = &resolver;
    zs.adapter = find_adapter(zs.zone->adapter);
    if (zs.adapter == nullptr) {
        zs.skip_reason = fmt::format("rblscope has no adapter \"{}\"", zs.zone->adapter);
        return;
    }
    if (!zs.zone->key_env.empty()) {
        zs.key = key_value(zs.zone->key_env, m_options.keys);
    }
    if (zs.adapter->needs_key && zs.key.empty()) {
        zs.skip_reason = fmt::format(
            "needs {}: set {}",
            zs.adapter->oauth_scope.empty() ? "an API key" : "a service account's key file",
            zs.zone->key_env.empty() ? "key_env in the catalog" : zs.zone->key_env);
        return;
    }
    if (zs.key.find_first_of("\r\n") != std::string::npos) {
        zs.skip_reason = fmt::format("the key in {} contains a line break", zs.zone->key_env);
        return;
    }
    if (!m_http) {
        m_http = std::make_unique<HttpClient>(m_loop, m_options.ca_file);
    }
    if (zs.adapter->bulk != nullptr) {
        zs.bulk = std::make_unique<BulkState>();
    }
    if (!zs.adapter->oauth_scope.empty()) {
        const auto source =
            fmt::format("{}\n{}\n{}", zs.key, zs.adapter->oauth_scope, zs.zone->aux_url);
        for (const auto& other : m_zones) {
            if (other.token && other.token->source == source) {
                zs.token = other.token;
                return;
            }
        }
        zs.token = std::make_shared<TokenState>();
        zs.token->source = source;
    }
}

void HttpSources::lookup(const Job& j) {
    const ZoneState& zs = m_zones[j.target->lookups[j.index].zone];
    if (zs.bulk) {
        issue_bulk(j);
    } else if (zs.token) {
        issue_authorized(j);
    } else {
        issue_http(j);
    }
}

void HttpSources::drain() {
    if (m_http) {
        m_http->drain();
    }
}

// A downloaded list's lookup takes no window slot: it waits for the file, or is answered
// from it at once.
void HttpSources::issue_bulk(const Job& j) {
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

void HttpSources::answer_bulk(std::size_t zi, const Job& j) {
    const ZoneState& zs = m_zones[zi];
    Lookup& l = j.target->lookups[j.index];
    if (zs.bulk->phase == BulkState::Phase::failed) {
        SourceReading r;
        r.error = zs.bulk->error;
        l.http = std::move(r);
    } else if (zs.adapter->read_with != nullptr) {
        // Two-step: the list is here, now the per-address request (ASN-DROP: the origin).
        issue_http(j);
        return;
    } else {
        l.http = match_bulk(*zs.adapter, zs.bulk->blocks, *IpAddress::parse(l.subject), zs.key);
    }
    m_finished(*j.target);
}

void HttpSources::start_bulk(std::size_t zi) {
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
        req.max_body = std::size_t{16} * 1024 * 1024;
        ++m_requests;
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
            if (auto old = path.empty() ? std::nullopt : read_download(path, k_download_usable)) {
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

HttpSources::FileBlocks
HttpSources::parse_file(std::size_t zi, const std::string& name, std::string_view body) const {
    return parse_bulk(*m_zones[zi].adapter, body, name, m_zones[zi].key);
}

void HttpSources::bulk_file_done(std::size_t zi, const std::string& name, FileBlocks blocks) {
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

// A source behind OAuth: the request goes out once the run has an access token.
void HttpSources::issue_authorized(const Job& j) {
    const std::size_t zi = j.target->lookups[j.index].zone;
    TokenState& t = *m_zones[zi].token;
    switch (t.phase) {
    case TokenState::Phase::ready:
        issue_http(j);
        return;
    case TokenState::Phase::failed: {
        SourceReading r;
        r.error = t.error;
        j.target->lookups[j.index].http = std::move(r);
        m_finished(*j.target);
        return;
    }
    case TokenState::Phase::idle:
        t.parked.push_back(j);
        start_token(zi);
        return;
    case TokenState::Phase::loading:
        t.parked.push_back(j);
        return;
    }
}

// The service account's key file is read for each token (a replaced file is used at once);
// a token in the process's cache saves the exchange.
void HttpSources::start_token(std::size_t zi) {
    ZoneState& zs = m_zones[zi];
    TokenState& t = *zs.token;
    t.phase = TokenState::Phase::loading;
    const std::string scope(zs.adapter->oauth_scope);
    const auto account = google::load_service_account(zs.key);
    if (!account) {
        token_done(zi, Error{"service account key: " + account.error().to_string(), {}});
        return;
    }
    t.cache_key = account->client_email + "\n" + scope + "\n" + zs.zone->aux_url;
    if (auto cached = google::cached_token(t.cache_key)) {
        token_done(zi, std::move(*cached));
        return;
    }
    const auto assertion =
        google::make_assertion(*account, scope, zs.zone->aux_url, std::chrono::system_clock::now());
    if (!assertion) {
        token_done(zi, Error{"service account key: " + assertion.error().to_string(), {}});
        return;
    }
    HttpRequest req = google::token_request(zs.zone->aux_url, *assertion);
    req.timeout = m_options.http_timeout;
    ++m_requests;
    const auto sent = Clock::now();
    http_get(std::move(req), [this, zi, sent](HttpResponse&& response) {
        if (response.timed_out || !response.error.empty()) {
            token_done(
                zi, Error{"the token request failed: " + sanitize_text(response.error, 300), {}});
            return;
        }
        auto token = google::read_token_response(response, sent);
        if (!token) {
            token_done(zi, Error{token.error().message, {}});
            return;
        }
        google::remember_token(m_zones[zi].token->cache_key, *token);
        token_done(zi, std::move(token->value));
    });
}

void HttpSources::token_done(std::size_t zi, Result<std::string> token) {
    TokenState& t = *m_zones[zi].token;
    if (token) {
        t.phase = TokenState::Phase::ready;
        t.value = std::move(*token);
    } else {
        t.phase = TokenState::Phase::failed;
        t.error = token.error().message;
    }
    auto parked = std::move(t.parked);
    t.parked.clear();
    for (const auto& j : parked) {
        issue_authorized(j);
    }
}

void HttpSources::issue_http(const Job& j) {
    m_dest.window.enter();
    Lookup& l = j.target->lookups[j.index];
    const std::uint64_t id = m_next_id++;
    m_open.emplace(id, Open{j, 0, {}});
    l.started = Clock::now();
    send_http(id, Clock::now());
}

// Sends request `id` at `earliest` or at its source's next free slot, whichever is later.
void HttpSources::send_http(std::uint64_t id, Clock::time_point earliest) {
    const auto it = m_open.find(id);
    if (it == m_open.end()) {
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

void HttpSources::transmit_http(std::uint64_t id) {
    const auto it = m_open.find(id);
    if (it == m_open.end()) {
        return;
    }
    const Job& j = it->second.job;
    const Lookup& l = j.target->lookups[j.index];
    const ZoneState& zs = m_zones[l.zone];
    HttpRequest req = zs.adapter->request(*zs.zone, secret_of(zs), l.subject);
    if (zs.token) {
        it->second.token = zs.token->value;
    }
    req.timeout = m_options.http_timeout;
    ++m_requests;
    http_get(std::move(req),
             [this, id](HttpResponse&& response) { on_http(id, std::move(response)); });
}

// An HTTP request whose host name is resolved first by c-ares, in this loop, and handed to
// libcurl (CURLOPT_RESOLVE): libcurl's own resolver would start a thread.
void HttpSources::http_get(HttpRequest req, HttpClient::Callback callback) {
    const auto host = host_to_resolve(req.url);
    if (!host) {
        m_http->get(req, std::move(callback));
        return;
    }
    const std::string key = fmt::format("{}:{}", host->host, host->port);
    if (const auto it = m_host_addresses.find(key); it != m_host_addresses.end()) {
        req.resolve = it->second;
        m_http->get(req, std::move(callback));
        return;
    }
    m_resolver->resolve_host(
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
            m_http->get(req, std::move(callback));
        });
}

void HttpSources::on_http(std::uint64_t id, HttpResponse&& response) {
    const auto it = m_open.find(id);
    if (it == m_open.end()) {
        return; // settled by the run's deadline
    }
    Open& open = it->second;
    ZoneState& zs = m_zones[open.job.target->lookups[open.job.index].zone];
    if (response.status == 401 && zs.token && !open.job.reauthorized) {
        // The token expired or was revoked early: one new token, then the request again
        // (with the one already fetched when another request found out first).
        Job again = open.job;
        again.reauthorized = true;
        const bool current = open.token == zs.token->value;
        m_open.erase(it);
        m_dest.window.leave();
        if (current && zs.token->phase == TokenState::Phase::ready) {
            google::forget_token(zs.token->cache_key);
            zs.token->phase = TokenState::Phase::idle;
            zs.token->value.clear();
        }
        issue_authorized(again);
        return;
    }
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
    m_open.erase(it);
    m_dest.window.leave();
    Lookup& lookup = job.target->lookups[job.index];
    const ZoneState& source = m_zones[lookup.zone];
    lookup.http = read_response(*source.adapter,
                                *source.zone,
                                response,
                                secret_of(source),
                                source.bulk ? &source.bulk->blocks : nullptr);
    lookup.raw.elapsed_ms = ms_since(lookup.started);
    m_finished(*job.target);
}

void HttpSources::cut(const std::function<std::string(std::string_view)>& cut_text) {
    const auto cut_short = [&](const Job& j, std::string_view before) {
        SourceReading cut;
        cut.status = Status::timeout;
        cut.error = cut_text(before);
        j.target->lookups[j.index].http = std::move(cut);
        m_finished(*j.target);
    };
    for (auto& zs : m_zones) {
        if (zs.bulk) {
            auto parked = std::move(zs.bulk->parked);
            zs.bulk->parked.clear();
            for (const auto& j : parked) {
                cut_short(j, "the list was downloaded");
            }
        }
        if (zs.token) {
            auto parked = std::move(zs.token->parked);
            zs.token->parked.clear();
            for (const auto& j : parked) {
                cut_short(j, "an access token came");
            }
        }
    }
    auto open = std::move(m_open);
    m_open.clear();
    for (const auto& [id, pending] : open) {
        m_dest.window.leave();
        Lookup& l = pending.job.target->lookups[pending.job.index];
        l.raw.elapsed_ms = ms_since(l.started);
        cut_short(pending.job, "an answer");
    }
}

} // namespace rblscope::engine
