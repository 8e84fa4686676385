// Target strings and input-file lines: IP, CIDR, hostname, email (parse_target and the
// line reader behind --input), plus the --resolver / --zone-server address syntax.
// Invariants: an address prints in a form that parses back to itself; a target's text
// (what reports show) parses back to the same subject and is printable; reversed names
// are well formed; errors name printable text.

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

// What is reported as the target (its text) must read back as the same subject, and
// hold nothing that would reach a report unescaped.
void check_round_trip(const Target& target) {
    fuzz::expect_printable(target.text, "target text");
    fuzz::expect_printable(target.note, "target note");
    const auto again = parse_target(target.text);
    if (!again) {
        fuzz::fail("a target's text does not parse again", again.error().message);
    }
    const auto& t = again.value();
    const bool same =
        t.kind == target.kind && t.note == target.note &&
        (target.kind != Target::Kind::ip || t.ip == target.ip) &&
        (target.kind != Target::Kind::cidr || t.cidr->to_string() == target.cidr->to_string()) &&
        t.hostname == target.hostname && t.email == target.email;
    if (!same) {
        fuzz::fail("a target's text parses to another subject", target.text);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    if (auto t = parse_target(text)) {
        const auto& target = t.value();
        check_round_trip(target);
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
        } else {
            check_round_trip(next->value());
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
