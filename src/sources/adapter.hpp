#pragma once
// HTTP reputation sources: each adapter turns a subject into a request and the response
// into the same statuses DNS lists give (listed / clean / error / timeout).

#include "net/http_client.hpp"
#include "rblscope/catalog.hpp"
#include "rblscope/error.hpp"
#include "rblscope/ip.hpp"
#include "rblscope/result.hpp"

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace rblscope {

/// An adapter's reading of one response.
struct SourceReading {
    Status status = Status::error;
    Severity severity = Severity::info; ///< listed only
    std::string meaning;                ///< what the listing means, or the facts for clean
    std::string error;                  ///< error / timeout: why, sanitised, without the key
    /// Figures behind the reading, by name, for other parts to use (vet's checklists) and
    /// for JSON ("spam_rate" -> "0.0042", "DMARC_ALIGNMENT" -> "NEEDS_WORK"); sanitised.
    std::vector<std::pair<std::string, std::string>> facts;
};

/// An address range from a downloaded list (a DROP block, an SNDS blocked range).
struct ListedBlock {
    IpAddress first, last; ///< inclusive, same family
    std::string text;      ///< how the list wrote it: "192.0.2.0/24", "192.0.2.1-192.0.2.9"
    std::string label;     ///< the list's id or reason, e.g. "SBL000001"
    std::vector<std::string> fields; ///< per-address data lists: the row's columns, sanitised

    [[nodiscard]] bool contains(const IpAddress& ip) const noexcept {
        return first <= ip && ip <= last;
    }
    /// The range of a CIDR block.
    [[nodiscard]] static ListedBlock of(const Cidr& block, std::string label);
};

/// One file of a downloaded list: where it is, and the name errors call it by (a name
/// without the key, which may be in the URL).
struct BulkFile {
    std::string url;
    std::string name;
};

/// A list downloaded whole and matched offline.
struct BulkList {
    /// The files to download, from the zone's base URL (and key, when it needs one).
    std::vector<BulkFile> (*files)(const Zone& zone, const std::string& key);
    /// Parses one downloaded file; errors name the file's line.
    Result<std::vector<ListedBlock>> (*parse)(std::string_view body, const std::string& name);
    /// The reading for `ip` given every block of every file (null for two-step sources,
    /// which read with HttpAdapter::read_with).
    SourceReading (*match)(const std::vector<ListedBlock>& blocks, const IpAddress& ip) = nullptr;
    /// How long a downloaded copy is used before it is fetched again.
    std::chrono::seconds fresh{12 * 3600};
};

struct HttpAdapter {
    std::string_view name;
    bool needs_key = false;
    /// The request for `ip` (text form) against `zone.url`, with `key` when needs_key.
    HttpRequest (*request)(const Zone& zone,
                           const std::string& key,
                           const std::string& ip) = nullptr;
    /// The reading of a response that arrived (HTTP status and body; transport errors are
    /// handled before this is called), with the zone's catalog figures (Zone::params). Null
    /// for two-step sources (read_with).
    SourceReading (*read)(const Zone& zone, const HttpResponse& response) = nullptr;
    /// Set for lists that are downloaded once and matched offline (request/read unused).
    const BulkList* bulk = nullptr;
    /// Two-step sources: a downloaded list matched against a per-address request (ASN-DROP:
    /// the address's origin AS from RIPEstat, at the zone's `aux_url`). Used instead of
    /// bulk->match and read when set.
    SourceReading (*read_with)(const HttpResponse& response,
                               const std::vector<ListedBlock>& blocks) = nullptr;
    /// Sources behind Google's OAuth 2.0: the scope the access token is asked for. The
    /// zone's key is then the path of a service account's key file, its `aux_url` the token
    /// URL, and request() is given the access token as its key.
    std::string_view oauth_scope{};
};

/// The adapter called `name`, or null.
[[nodiscard]] const HttpAdapter* find_adapter(std::string_view name);
/// The names of all adapters, sorted (the catalog's http_adapter_names() must equal it).
[[nodiscard]] std::vector<std::string_view> adapter_names();

/// The reading of any response: transport failures, timeouts and 5xx are handled here, the
/// rest by the adapter. The key is removed from every text that leaves.
[[nodiscard]] SourceReading read_response(const HttpAdapter& adapter,
                                          const Zone& zone,
                                          const HttpResponse& response,
                                          const std::string& key,
                                          const std::vector<ListedBlock>* blocks = nullptr);

/// A downloaded file of a bulk list, parsed; the key is removed from the error text (a
/// service's error page may echo the request URL, key included).
[[nodiscard]] Result<std::vector<ListedBlock>> parse_bulk(const HttpAdapter& adapter,
                                                          std::string_view body,
                                                          const std::string& name,
                                                          const std::string& key);

/// The reading of a bulk list for one address, with the key removed from every text.
[[nodiscard]] SourceReading match_bulk(const HttpAdapter& adapter,
                                       const std::vector<ListedBlock>& blocks,
                                       const IpAddress& ip,
                                       const std::string& key);

/// Helpers for the adapters.
namespace source {
/// Replaces every occurrence of `key` in `text` with "[key]".
void redact(std::string& text, const std::string& key);
/// Percent-encodes a query-string value (RFC 3986 unreserved characters stay).
[[nodiscard]] std::string url_encode(std::string_view value);
/// A reading for an HTTP status the API does not document as success.
[[nodiscard]] SourceReading http_error(const HttpResponse& response, std::string_view detail);
/// The first bytes of a body, sanitised, for error texts.
[[nodiscard]] std::string body_excerpt(const std::string& body);

/// A line of a downloaded text file, numbered from 1 for error locations.
struct Line {
    std::size_t number = 0;
    std::string_view text; ///< without "\n" or a trailing "\r"
};
/// The lines of `body` that are not blank.
[[nodiscard]] std::vector<Line> lines_of(std::string_view body);

/// Spamhaus NDJSON (DROP, ASN-DROP): one JSON object a line, the last a metadata line
/// (without it the download was cut). `record` turns one object into a block or says what
/// is wrong with it; errors name "NAME:LINE".
[[nodiscard]] Result<std::vector<ListedBlock>>
read_spamhaus_ndjson(std::string_view body,
                     const std::string& name,
                     Result<ListedBlock> (*record)(const nlohmann::json& object));
} // namespace source

} // namespace rblscope
