#include "engine/expanding_source.hpp"

#include <fmt/format.h>

namespace rblscope::engine {

std::optional<Result<Target>> ExpandingSource::next() {
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
        return Result<Target>(
            Error{fmt::format("block {} has {} addresses, more than the limit of {} (raise it "
                              "with --max-addresses)",
                              (*item)->cidr->to_string(),
                              shown,
                              m_max),
                  (*item)->where.empty() ? (*item)->text : (*item)->where});
    }
    m_block = std::move(item->value());
    m_index = 0;
    return next();
}

} // namespace rblscope::engine
