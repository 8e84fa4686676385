// Target strings and input-file lines: IP, CIDR, hostname, email (parse_target and the
// line reader behind --input), plus the --resolver / --zone-server address syntax.
// Invariants: an address prints in a form that parses back to itself; reversed names are
// well formed; errors name printable text.

#include "fuzz_support.hpp"
#include "net/resolvers.hpp"
#include "rblscope/ip.hpp"
#include "rblscope/target.hpp"

#include <algorithm>
#include <sys/mman.h>
#include <unistd.h>

using namespace rblscope;

namespace {

void check_address(const IpAddress& ip) {
    const auto text = ip.to_string();
    const auto again = IpAddress::parse_exact(text);
    if (!again || !(*again == ip)) {
        fuzz::fail("address does not round-trip", text);
    }
    const auto name = dnsbl_query_name(ip, "zone.example");
    const std::size_t labels = ip.is_v4() ? 4 : 32;
    if (static_cast<std::size_t>(std::count(name.begin(), name.end(), '.')) != labels + 1) {
        fuzz::fail("query name has the wrong number of labels", name);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    if (auto t = parse_target(text)) {
        const auto& target = t.value();
        if (target.kind == Target::Kind::ip) {
            check_address(target.ip);
        } else if (target.kind == Target::Kind::cidr) {
            const auto& cidr = *target.cidr;
            check_address(cidr.network());
            check_address(cidr.at(cidr.size() - 1));
            if (!cidr.contains(cidr.at(cidr.size() / 2))) {
                fuzz::fail("a block does not contain its middle address", cidr.to_string());
            }
        } else if (!is_valid_hostname(target.hostname)) {
            fuzz::fail("accepted target with an invalid host name", target.hostname);
        }
    } else {
        fuzz::expect_printable(t.error().to_string(), "target error");
    }

    if (auto server = parse_server(text)) {
        check_address(server.value().ip);
    }

    // The same bytes as an --input file: every line read, errors numbered.
    const int fd = memfd_create("fuzz", MFD_CLOEXEC);
    if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
        ::lseek(fd, 0, SEEK_SET) != 0) {
        fuzz::fail("cannot make a memory file", "");
    }
    TargetReader reader(fd, "fuzz.txt");
    int lines = 0;
    while (auto next = reader.next()) {
        if (!*next) {
            fuzz::expect_printable(next->error().to_string(), "input error");
        }
        if (++lines > 100000) {
            fuzz::fail("the reader does not end", "");
        }
    }
    if (reader.waiting()) {
        fuzz::fail("a file made the reader wait", "");
    }
    ::close(fd);
    return 0;
}
