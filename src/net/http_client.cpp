#include "net/http_client.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cctype>
#include <cstdlib>
#include <curl/curl.h>
#include <fmt/format.h>
#include <memory>
#include <string_view>

namespace rblscope {

namespace {

struct CurlLibrary {
    CurlLibrary() { curl_global_init(CURL_GLOBAL_DEFAULT); }
    ~CurlLibrary() { curl_global_cleanup(); }
};

void ensure_curl() {
    static CurlLibrary library;
}

bool header_is(std::string_view line, std::string_view name) {
    if (line.size() <= name.size() || line[name.size()] != ':') {
        return false;
    }
    return std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
    });
}

std::string_view header_value(std::string_view line, std::size_t name_len) {
    auto v = line.substr(name_len + 1);
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
        v.remove_prefix(1);
    }
    while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) {
        v.remove_suffix(1);
    }
    return v;
}

} // namespace

std::optional<UrlHost> host_to_resolve(const std::string& url) {
    CURLU* u = curl_url();
    std::optional<UrlHost> out;
    char* host = nullptr;
    char* port = nullptr;
    if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        const std::string h(host);
        in6_addr a6{};
        in_addr a4{};
        const bool literal = h.starts_with("[") || inet_pton(AF_INET, h.c_str(), &a4) == 1 ||
                             inet_pton(AF_INET6, h.c_str(), &a6) == 1;
        if (!literal) {
            out = UrlHost{h, std::strtol(port, nullptr, 10)};
        }
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out;
}

struct HttpClient::Transfer {
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    curl_slist* resolve = nullptr;
    curl_slist* recipients = nullptr;
    std::string upload; ///< a POST's body or a mail's message (curl reads it from here)
    std::size_t uploaded = 0;
    HttpResponse response;
    Callback callback;
    std::size_t max_body = 0;
    bool too_large = false;
    EventLoop::Clock::time_point started;
    std::array<char, CURL_ERROR_SIZE> errbuf{};

    ~Transfer() {
        if (easy != nullptr) {
            curl_easy_cleanup(easy);
        }
        curl_slist_free_all(headers);
        curl_slist_free_all(resolve);
        curl_slist_free_all(recipients);
    }

    static std::size_t on_upload(char* data, std::size_t size, std::size_t n, void* self) {
        auto* t = static_cast<Transfer*>(self);
        const std::size_t len = std::min(size * n, t->upload.size() - t->uploaded);
        std::copy_n(t->upload.data() + t->uploaded, len, data);
        t->uploaded += len;
        return len;
    }

    static std::size_t on_body(char* data, std::size_t size, std::size_t n, void* self) {
        auto* t = static_cast<Transfer*>(self);
        const std::size_t len = size * n;
        if (t->response.body.size() + len > t->max_body) {
            t->too_large = true;
            return 0; // aborts the transfer
        }
        t->response.body.append(data, len);
        return len;
    }

    static std::size_t on_header(char* data, std::size_t size, std::size_t n, void* self) {
        auto* t = static_cast<Transfer*>(self);
        const std::size_t len = size * n;
        const std::string_view line(data, len);
        if (line.starts_with("HTTP/")) {
            t->response.content_type.clear(); // a new response (e.g. after 100 Continue)
            t->response.retry_after_s.reset();
        } else if (header_is(line, "content-type")) {
            t->response.content_type = std::string(header_value(line, 12));
        } else if (header_is(line, "retry-after")) {
            const auto v = header_value(line, 11);
            long seconds = 0;
            bool digits = !v.empty() && v.size() <= 9;
            for (const char c : v) {
                digits = digits && c >= '0' && c <= '9';
                seconds = seconds * 10 + (c - '0');
            }
            if (digits) {
                t->response.retry_after_s = seconds; // an HTTP date is left unread
            }
        }
        return len;
    }
};

HttpClient::HttpClient(EventLoop& loop, std::string ca_file)
    : m_loop(loop), m_ca_file(std::move(ca_file)) {
    ensure_curl();
    m_multi = curl_multi_init();
    curl_multi_setopt(m_multi, CURLMOPT_SOCKETFUNCTION, &HttpClient::on_socket);
    curl_multi_setopt(m_multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(m_multi, CURLMOPT_TIMERFUNCTION, &HttpClient::on_timer);
    curl_multi_setopt(m_multi, CURLMOPT_TIMERDATA, this);
}

HttpClient::~HttpClient() {
    if (m_timer) {
        m_loop.cancel_timer(*m_timer);
    }
    // Transfers still running are dropped without their callbacks.
    for (void* p : m_transfers) {
        auto* t = static_cast<Transfer*>(p);
        curl_multi_remove_handle(m_multi, t->easy);
        delete t;
    }
    curl_multi_cleanup(m_multi);
}

void HttpClient::get(const HttpRequest& request, Callback callback) {
    auto t = std::make_unique<Transfer>();
    t->callback = std::move(callback);
    t->max_body = request.max_body;
    t->started = EventLoop::Clock::now();
    t->easy = curl_easy_init();
    for (const auto& h : request.headers) {
        t->headers = curl_slist_append(t->headers, h.c_str());
    }
    CURL* e = t->easy;
    curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
    if (!request.resolve.empty()) {
        t->resolve = curl_slist_append(nullptr, request.resolve.c_str());
        curl_easy_setopt(e, CURLOPT_RESOLVE, t->resolve);
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "rblscope/" RBLSCOPE_VERSION);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    if (request.post_body) {
        t->upload = *request.post_body;
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->upload.data());
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->upload.size()));
    }
    common_options(t.get(), request.timeout);
    start(std::move(t));
}

void HttpClient::send_mail(const MailRequest& request, Callback callback) {
    auto t = std::make_unique<Transfer>();
    t->callback = std::move(callback);
    t->max_body = std::size_t{64} * 1024;
    t->started = EventLoop::Clock::now();
    t->easy = curl_easy_init();
    t->upload = request.message;
    for (const auto& to : request.to) {
        t->recipients = curl_slist_append(t->recipients, ("<" + to + ">").c_str());
    }
    CURL* e = t->easy;
    curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    // smtp:// upgrades with STARTTLS or fails (never falls back to clear text) unless the
    // configuration says the relay speaks no TLS; smtps:// is TLS from the start.
    curl_easy_setopt(e, CURLOPT_USE_SSL, request.starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE);
    if (!request.user.empty()) {
        curl_easy_setopt(e, CURLOPT_USERNAME, request.user.c_str());
        curl_easy_setopt(e, CURLOPT_PASSWORD, request.password.c_str());
    }
    const std::string from = "<" + request.from + ">";
    curl_easy_setopt(e, CURLOPT_MAIL_FROM, from.c_str()); // copied by libcurl
    curl_easy_setopt(e, CURLOPT_MAIL_RCPT, t->recipients);
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, &Transfer::on_upload);
    curl_easy_setopt(e, CURLOPT_READDATA, t.get());
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(t->upload.size()));
    common_options(t.get(), request.timeout);
    start(std::move(t));
}

void HttpClient::common_options(Transfer* t, std::chrono::milliseconds timeout) const {
    CURL* e = t->easy;
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    // Never turned off: a reputation answer from an impostor is worse than none, and a
    // notification must not hand a password to one.
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!m_ca_file.empty()) {
        curl_easy_setopt(e, CURLOPT_CAINFO, m_ca_file.c_str());
    }
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Transfer::on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf.data());
    curl_easy_setopt(e, CURLOPT_PRIVATE, t);
}

void HttpClient::start(std::unique_ptr<Transfer> t) {
    if (curl_multi_add_handle(m_multi, t->easy) != CURLM_OK) {
        HttpResponse failed;
        failed.error = "could not start the HTTP transfer";
        m_done.emplace_back(std::move(t->callback), std::move(failed));
        return;
    }
    ++m_in_flight;
    m_transfers.insert(t.release()); // owned by the multi handle until collect()
}

int HttpClient::on_socket(void* /*easy*/, int fd, int what, void* self, void* /*socket_data*/) {
    auto* client = static_cast<HttpClient*>(self);
    if (what == CURL_POLL_REMOVE) {
        client->m_loop.unwatch(fd);
        return 0;
    }
    const bool read = what == CURL_POLL_IN || what == CURL_POLL_INOUT;
    const bool write = what == CURL_POLL_OUT || what == CURL_POLL_INOUT;
    client->m_loop.watch(fd, read, write, [client](int f, bool r, bool w) {
        client->action(f, (r ? CURL_CSELECT_IN : 0) | (w ? CURL_CSELECT_OUT : 0));
    });
    return 0;
}

int HttpClient::on_timer(void* /*multi*/, long timeout_ms, void* self) {
    auto* client = static_cast<HttpClient*>(self);
    if (client->m_timer) {
        client->m_loop.cancel_timer(*client->m_timer);
        client->m_timer.reset();
    }
    if (timeout_ms >= 0) {
        client->m_timer = client->m_loop.add_timer(
            EventLoop::Clock::now() + std::chrono::milliseconds(timeout_ms), [client] {
                client->m_timer.reset();
                client->action(CURL_SOCKET_TIMEOUT, 0);
            });
    }
    return 0;
}

void HttpClient::action(int fd, int events) {
    int running = 0;
    curl_multi_socket_action(m_multi, fd, events, &running);
    collect();
}

void HttpClient::collect() {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(m_multi, &left)) {
        if (msg->msg != CURLMSG_DONE) {
            continue;
        }
        Transfer* raw = nullptr;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &raw);
        std::unique_ptr<Transfer> t(raw);
        m_transfers.erase(raw);
        const CURLcode result = msg->data.result;
        curl_multi_remove_handle(m_multi, t->easy);
        --m_in_flight;
        HttpResponse& r = t->response;
        r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(EventLoop::Clock::now() -
                                                                          t->started);
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r.status);
        if (t->too_large) {
            r.error = fmt::format("response body larger than {} bytes", t->max_body);
        } else if (result == CURLE_OPERATION_TIMEDOUT) {
            r.timed_out = true;
            r.error = "no complete response within the time limit";
        } else if (result != CURLE_OK) {
            const std::string detail(t->errbuf.data());
            r.error = detail.empty() ? curl_easy_strerror(result)
                                     : fmt::format("{}: {}", curl_easy_strerror(result), detail);
        }
        if (!r.error.empty()) {
            r.body.clear();
        }
        m_done.emplace_back(std::move(t->callback), std::move(r));
    }
}

void HttpClient::drain() {
    while (!m_done.empty()) {
        auto done = std::move(m_done);
        m_done.clear();
        for (auto& [callback, response] : done) {
            callback(std::move(response));
        }
    }
}

} // namespace rblscope
