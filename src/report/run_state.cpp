// The --state file: JSON, written atomically; anything unexpected in it means "start afresh".

#include "core/files.hpp"
#include "core/sanitize.hpp"
#include "rblscope/state.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

namespace rblscope {

namespace {

constexpr int k_format = 1;

std::optional<Status> status_named(const std::string& name) {
    for (const auto s : {Status::listed, Status::clean}) {
        if (to_string(s) == name) {
            return s;
        }
    }
    return std::nullopt;
}

} // namespace

LoadedState load_state(const std::string& path) {
    LoadedState out;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno != ENOENT) {
            out.problem = fmt::format("{}: {}", path, std::strerror(errno));
        }
        return out;
    }
    const auto text = read_whole_file(path);
    if (!text) {
        out.problem = fmt::format("{}: cannot be read", path);
        return out;
    }
    return parse_state(*text, path);
}

LoadedState parse_state(std::string_view text, const std::string& path) {
    LoadedState out;
    const auto doc = nlohmann::json::parse(text, nullptr, false);
    const auto bad = [&](std::string_view why) {
        out.problem = fmt::format("{}: {}", path, why);
        return out;
    };
    if (doc.is_discarded() || !doc.is_object()) {
        return bad("not JSON (damaged, or not a state file)");
    }
    const auto format = doc.find("rblscope_state");
    if (format == doc.end() || *format != k_format) {
        return bad("not an rblscope state file of this version");
    }
    const auto results = doc.find("results");
    const auto written = doc.find("written");
    if (results == doc.end() || !results->is_object() || written == doc.end() ||
        !written->is_number_integer()) {
        return bad("the file is incomplete");
    }
    RunState state;
    state.written = written->get<std::int64_t>();
    for (const auto& [key, value] : results->items()) {
        const auto status =
            value.is_object() && value.contains("status") && value["status"].is_string()
                ? status_named(value["status"].get<std::string>())
                : std::nullopt;
        if (!status || std::count(key.begin(), key.end(), '\t') != 2) {
            return bad(fmt::format("an entry cannot be read: \"{}\"", sanitize_text(key, 80)));
        }
        RunState::Entry e;
        e.status = *status;
        if (const auto codes = value.find("codes"); codes != value.end() && codes->is_array()) {
            for (const auto& c : *codes) {
                if (c.is_string()) {
                    e.codes.push_back(c.get<std::string>());
                }
            }
        }
        if (const auto u = value.find("unanswered"); u != value.end() && u->is_boolean()) {
            e.unanswered = u->get<bool>();
        }
        if (const auto err = value.find("error"); err != value.end() && err->is_string()) {
            e.error = err->get<std::string>();
        }
        state.results.emplace(key, std::move(e));
    }
    out.state = std::move(state);
    return out;
}

std::string state_text(const RunState& state) {
    nlohmann::json results = nlohmann::json::object();
    for (const auto& [key, e] : state.results) {
        nlohmann::json entry = {{"status", to_string(e.status)}, {"codes", e.codes}};
        if (e.unanswered) {
            entry["unanswered"] = true;
            entry["error"] = e.error;
        }
        results[key] = std::move(entry);
    }
    const nlohmann::json doc = {
        {"rblscope_state", k_format}, {"written", state.written}, {"results", results}};
    return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string save_state(const std::string& path, const RunState& state) {
    const auto slash = path.rfind('/');
    const std::string file = slash == std::string::npos ? "./" + path : path;
    return write_file_atomically(file, state_text(state));
}

} // namespace rblscope
