#include "engine/answer_cache.hpp"

#include "core/files.hpp"
#include "core/hash.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <variant>

namespace rblscope {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int k_format_version = 1;
// A cache file is a few hundred bytes; anything far bigger is not ours.
constexpr std::size_t k_max_file_size = std::size_t{64} * 1024;

std::string_view type_name(DnsChannel::Type t) {
    switch (t) {
    case DnsChannel::Type::a:
        return "A";
    case DnsChannel::Type::aaaa:
        return "AAAA";
    case DnsChannel::Type::txt:
        return "TXT";
    case DnsChannel::Type::mx: // not cached: only A, AAAA and TXT answers are kept
        return "MX";
    case DnsChannel::Type::ptr:
        return "PTR";
    }
    return "?";
}

std::int64_t unix_seconds(AnswerCache::WallClock::time_point t) {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// The entry as a reply, or a reason it is not one of ours.
std::variant<DnsReply, std::string> decode(const json& doc, std::int64_t now) {
    if (!doc.is_object() || doc.value("rblscope_cache", 0) != k_format_version) {
        return std::string("not an rblscope cache entry of this version");
    }
    const auto expires = doc.find("expires");
    const auto status = doc.find("status");
    if (expires == doc.end() || !expires->is_number_integer() || status == doc.end() ||
        !status->is_string()) {
        return std::string("'expires' or 'status' missing");
    }
    DnsReply r;
    r.cached = true;
    const auto left = expires->get<std::int64_t>() - now;
    if (left > AnswerCache::k_max_ttl) {
        return std::string("expiry too far in the future");
    }
    r.ttl = left > 0 ? static_cast<std::uint32_t>(left) : 0;
    const auto s = status->get<std::string>();
    const auto field = [&](const char* key) -> const json* {
        const auto it = doc.find(key);
        return it == doc.end() ? nullptr : &*it;
    };
    if (s == "nxdomain" || s == "nodata") {
        r.status = s == "nxdomain" ? DnsStatus::nxdomain : DnsStatus::nodata;
        r.negative_ttl = r.ttl;
        r.ttl = 0;
        return r;
    }
    if (s != "answers") {
        return fmt::format("unknown status \"{}\"", s);
    }
    r.status = DnsStatus::answered;
    if (const json* a = field("a")) {
        if (!a->is_array()) {
            return std::string("'a' is not an array");
        }
        for (const auto& v : *a) {
            if (!v.is_number_unsigned() || v.get<std::uint64_t>() > 0xffffffffu) {
                return std::string("'a' holds something that is not an IPv4 address");
            }
            r.a.push_back(v.get<std::uint32_t>());
        }
    }
    if (const json* aaaa = field("aaaa")) {
        if (!aaaa->is_array()) {
            return std::string("'aaaa' is not an array");
        }
        for (const auto& v : *aaaa) {
            const auto bytes = v.is_string() ? hex_decode(v.get<std::string>()) : std::nullopt;
            if (!bytes || bytes->size() != 16) {
                return std::string("'aaaa' holds something that is not an IPv6 address");
            }
            std::array<std::uint8_t, 16> b{};
            std::memcpy(b.data(), bytes->data(), 16);
            r.aaaa.push_back(b);
        }
    }
    if (const json* txt = field("txt")) {
        if (!txt->is_array()) {
            return std::string("'txt' is not an array");
        }
        for (const auto& v : *txt) {
            auto bytes = v.is_string() ? hex_decode(v.get<std::string>()) : std::nullopt;
            if (!bytes) {
                return std::string("'txt' holds something that is not hex");
            }
            r.txt.push_back(std::move(*bytes));
        }
    }
    if (r.a.empty() && r.aaaa.empty() && r.txt.empty()) {
        return std::string("an answer without records");
    }
    return r;
}

} // namespace

AnswerCache::AnswerCache(std::string dir, Warn warn)
    : m_dir(std::move(dir)), m_warn(std::move(warn)) {
    const auto why = create_private_directories(m_dir);
    if (why.empty()) {
        m_dir_ok = true;
        return;
    }
    problem(m_unwritable,
            fmt::format("cache: {} cannot be used as a directory ({}); answers are not cached",
                        m_dir,
                        why));
}

std::string AnswerCache::path_for(const std::string& servers,
                                  DnsChannel::Type type,
                                  const std::string& name) const {
    std::string key = servers + "\n" + std::string(type_name(type)) + "\n";
    for (const char c : name) {
        key += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    const std::string h = sha256_hex(key);
    return m_dir + "/" + h.substr(0, 2) + "/" + h + ".json";
}

void AnswerCache::problem(int& count, const std::string& message) {
    if (count++ == 0 && m_warn) {
        m_warn(message);
    }
}

std::optional<DnsReply> AnswerCache::get(const std::string& servers,
                                         DnsChannel::Type type,
                                         const std::string& name,
                                         WallClock::time_point now) {
    if (!m_dir_ok) {
        return std::nullopt;
    }
    const std::string path = path_for(servers, type, name);
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        if (errno != ENOENT) {
            problem(m_corrupt,
                    fmt::format(
                        "cache: cannot read {}: {}; asking the list", path, std::strerror(errno)));
        }
        return std::nullopt;
    }
    // Read in small pieces: most entries are a few hundred bytes.
    std::string text;
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0 && text.size() <= k_max_file_size) {
        text.append(buf.data(), n);
    }
    std::fclose(f);
    std::string reason;
    if (text.size() > k_max_file_size) {
        reason = "file too large";
    } else {
        const json doc = json::parse(text, nullptr, false);
        if (doc.is_discarded()) {
            reason = "not valid JSON";
        } else {
            auto decoded = decode(doc, unix_seconds(now));
            if (auto* reply = std::get_if<DnsReply>(&decoded)) {
                const bool fresh = reply->ttl > 0 || reply->negative_ttl.value_or(0) > 0;
                if (!fresh) {
                    return std::nullopt; // expired: asked again and overwritten
                }
                ++m_hits;
                return std::move(*reply);
            }
            reason = std::get<std::string>(decoded);
        }
    }
    problem(m_corrupt,
            fmt::format("cache: {} is corrupt ({}); ignored, asking the list", path, reason));
    std::remove(path.c_str());
    return std::nullopt;
}

void AnswerCache::put(const std::string& servers,
                      DnsChannel::Type type,
                      const std::string& name,
                      const DnsReply& reply,
                      WallClock::time_point now) {
    if (!m_dir_ok || reply.cached) {
        return;
    }
    json doc;
    std::uint32_t ttl = 0;
    if (reply.status == DnsStatus::answered) {
        if (reply.a.empty() && reply.aaaa.empty() && reply.txt.empty()) {
            return;
        }
        ttl = reply.ttl;
        doc["status"] = "answers";
        doc["a"] = reply.a;
        json aaaa = json::array();
        for (const auto& b : reply.aaaa) {
            aaaa.push_back(
                hex_encode(std::string_view(reinterpret_cast<const char*>(b.data()), b.size())));
        }
        doc["aaaa"] = std::move(aaaa);
        json txt = json::array();
        for (const auto& t : reply.txt) {
            txt.push_back(hex_encode(t));
        }
        doc["txt"] = std::move(txt);
    } else if ((reply.status == DnsStatus::nxdomain || reply.status == DnsStatus::nodata) &&
               reply.negative_ttl) {
        ttl = *reply.negative_ttl;
        doc["status"] = reply.status == DnsStatus::nxdomain ? "nxdomain" : "nodata";
    } else {
        return; // errors, timeouts and unproven "no" answers are asked again next time
    }
    // RFC 2181: a TTL with the top bit set counts as zero.
    if (ttl == 0 || ttl > 0x7fffffffu) {
        return;
    }
    ttl = std::min(ttl, k_max_ttl);
    doc["rblscope_cache"] = k_format_version;
    doc["expires"] = unix_seconds(now) + ttl;

    const std::string path = path_for(servers, type, name);
    if (auto why = create_private_directories(path.substr(0, path.rfind('/'))); !why.empty()) {
        problem(m_unwritable, fmt::format("cache: {}; answers are not cached", why));
        return;
    }
    if (auto why = write_file_atomically(path, doc.dump()); !why.empty()) {
        problem(m_unwritable, fmt::format("cache: {}; answers are not cached", why));
    }
}

void AnswerCache::report_totals() {
    if (!m_warn) {
        return;
    }
    if (m_corrupt > 1) {
        m_warn(fmt::format("cache: {} more cache files were unreadable or corrupt and were ignored",
                           m_corrupt - 1));
    }
    if (m_unwritable > 1) {
        m_warn(fmt::format("cache: {} more answers could not be written to the cache",
                           m_unwritable - 1));
    }
    m_corrupt = 0;
    m_unwritable = 0;
}

} // namespace rblscope
