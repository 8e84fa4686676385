#pragma once
// What every RIPEstat data call shares: the request and the response envelope
//   {"status":"ok","status_code":200,"messages":[["info","..."]],"data":{...}}

#include "sources/adapter.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace rblscope::ripestat {

/// GET {base}/data/{call}/data.json?resource=IP{extra}&sourceapp=rblscope
[[nodiscard]] HttpRequest request(std::string_view base,
                                  std::string_view call,
                                  const std::string& ip,
                                  std::string_view extra = "");

/// The envelope's "data" object; null when the call failed (HTTP status, "status" other
/// than "ok", no data), with `failure` saying why in the service's own words.
[[nodiscard]] const nlohmann::json*
data_of(const nlohmann::json& doc, const HttpResponse& response, SourceReading& failure);

} // namespace rblscope::ripestat
