// serve's web configuration file (exporter-toolkit's YAML: TLS, users, headers).
// Invariants: a problem is printable and names the file; what is accepted is safe to use
// (bcrypt hashes only, header values on one line, a TLS section with its files).

#include "fuzz_support.hpp"
#include "serve/web_config.hpp"

using namespace rblscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> notes;
    // Files it names are looked for in a directory that does not exist.
    const auto web = exporter::parse_web_config(text, "/nonexistent-rblscope-fuzz/web.yml", notes);
    for (const auto& note : notes) {
        fuzz::expect_printable(note, "web config note");
    }
    if (!web) {
        fuzz::expect_printable(web.error().to_string(), "web config error");
        if (!web.error().where.starts_with("/nonexistent-rblscope-fuzz/web.yml")) {
            fuzz::fail("an error does not name the file", web.error().to_string());
        }
        return 0;
    }
    for (const auto& [user, hash] : web.value().users) {
        if (hash.size() != 60 || !hash.starts_with("$2")) {
            fuzz::fail("a password that is not a bcrypt hash was accepted", user);
        }
    }
    for (const auto& [name, value] : web.value().headers) {
        if (value.find_first_of("\r\n") != std::string::npos) {
            fuzz::fail("a header value with a line break was accepted", name);
        }
    }
    if (web.value().tls) {
        fuzz::fail("TLS accepted without readable files", "");
    }
    return 0;
}
