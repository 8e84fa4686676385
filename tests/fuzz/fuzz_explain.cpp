// explain's readers: mail log lines (Postfix, Sendmail, Exim, qmail) and bounce messages
// (headers, MIME, quoted-printable / base64 parts, delivery-status records, each MTA's
// readable report, the fallback for replies anywhere on a line and for prose worded like a
// known rejection, HTML parts, feedback reports), fed in chunks of varying size, then explain() and
// FindingGroups. Input: [chunk size byte][bytes...]. Invariants: every field and explanation text
// is printable (the ready-to-send request text may have newlines); feeding in chunks finds the same
// rejections as feeding at once.

#include "fuzz_support.hpp"
#include "rblscope/catalog.hpp"
#include "rblscope/explain.hpp"

#include <vector>

using namespace rblscope;

namespace {

const BounceKnowledge& bounces() {
    static const BounceKnowledge k = [] {
        auto loaded = load_bounce_knowledge(RBLSCOPE_CATALOG_FILE);
        if (!loaded) {
            fuzz::fail("cannot load lists.toml", loaded.error().to_string());
        }
        return std::move(loaded).value();
    }();
    return k;
}

void check(const Rejection& r) {
    for (const auto* field : {&r.source,
                              &r.where,
                              &r.time,
                              &r.log_host,
                              &r.queue_id,
                              &r.recipient,
                              &r.remote_host,
                              &r.remote_ip,
                              &r.action,
                              &r.status,
                              &r.command,
                              &r.reply}) {
        fuzz::expect_printable(*field, "rejection field");
    }
    const auto e = explain(r, bounces(), &fuzz::shipped_catalog());
    for (const auto* text : {&e.enhanced_code,
                             &e.provider_code,
                             &e.sending_ip,
                             &e.list,
                             &e.cause,
                             &e.delist,
                             &e.avoid}) {
        fuzz::expect_printable(*text, "explanation");
    }
    for (const auto& step : e.steps) {
        fuzz::expect_printable(step, "step");
    }
    fuzz::expect_printable_lines(e.request, "request text");
}

std::vector<std::string> read_all(std::string_view bytes, std::size_t chunk) {
    std::vector<std::string> replies;
    // With the knowledge, as the CLI reads: prose worded like a rule is read too.
    RejectionReader reader(
        "fuzz",
        [&](Rejection&& r) {
            check(r);
            replies.push_back(r.reply);
        },
        &bounces());
    while (!bytes.empty()) {
        const auto n = std::min(chunk, bytes.size());
        reader.feed(bytes.substr(0, n));
        bytes.remove_prefix(n);
    }
    reader.finish();
    return replies;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::FuzzInput in(data, size);
    const std::size_t chunk = 1 + in.byte();
    const auto bytes = in.rest();
    const auto whole = read_all(bytes, bytes.size() + 1);
    const auto pieces = read_all(bytes, chunk);
    if (whole != pieces) {
        fuzz::fail("chunked input found other rejections", bytes);
    }

    FindingGroups groups(64);
    RejectionReader reader("fuzz", [&](Rejection&& r) {
        auto e = explain(r, bounces(), &fuzz::shipped_catalog());
        groups.add(std::move(r), std::move(e));
    });
    reader.feed(bytes);
    reader.finish();
    return 0;
}
