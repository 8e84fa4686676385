#pragma once
// CIDR blocks expanded into single addresses lazily, so a /16 never sits in memory.

#include "rblscope/engine.hpp"

#include <cstdint>
#include <optional>

namespace rblscope::engine {

class ExpandingSource {
  public:
    ExpandingSource(TargetSource& inner, std::uint64_t max_block)
        : m_inner(inner), m_max(max_block) {}

    /// The next address of the current block, or the next item of the input (a block larger
    /// than the limit is an input error).
    std::optional<Result<Target>> next();
    [[nodiscard]] int waiting_fd() const { return m_inner.waiting_fd(); }

  private:
    TargetSource& m_inner;
    std::uint64_t m_max;
    std::optional<Target> m_block;
    std::uint64_t m_index = 0;
};

} // namespace rblscope::engine
