#include "core/domain.hpp"

#include <libpsl.h>

namespace rblscope {

namespace {

const psl_ctx_t* psl_context() {
    // The distribution's list file is newer than the built-in one; fall back if missing.
    static const psl_ctx_t* ctx = [] {
        const psl_ctx_t* latest = psl_latest(nullptr);
        return latest != nullptr ? latest : psl_builtin();
    }();
    return ctx;
}

} // namespace

std::string registered_domain(std::string_view hostname) {
    std::string name(hostname);
    const psl_ctx_t* ctx = psl_context();
    if (ctx == nullptr) {
        return name;
    }
    const char* reg = psl_registrable_domain(ctx, name.c_str());
    return reg != nullptr ? std::string(reg) : name;
}

} // namespace rblscope
