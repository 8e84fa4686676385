#pragma once
// SPF checks as guests of an event loop: each check is re-run whenever the answer it waited
// for arrives (DnsLookups asks each question once).

#include "vet/dns_lookups.hpp"

#include <functional>
#include <vector>

namespace rblscope {

class SpfRunner {
  public:
    using Done = std::function<void(std::size_t index, SpfOutcome&&)>;
    explicit SpfRunner(DnsLookups& dns) : m_dns(dns) {}

    /// Starts check `index`; `done` runs once it has a result (possibly inside this call).
    void add(std::size_t index, SpfQuery query, Done done);
    [[nodiscard]] bool busy() const noexcept { return m_open > 0; }

  private:
    struct Check {
        std::size_t index = 0;
        SpfQuery query;
        Done done;
    };
    void advance(std::size_t check);

    DnsLookups& m_dns;
    std::size_t m_open = 0;
    std::vector<Check> m_checks;
};

} // namespace rblscope
