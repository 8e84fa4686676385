// RejectionReader: splits the byte stream into lines, sends log lines to the log parsers
// and gathers everything else into messages for the bounce parser.

#include "core/sanitize.hpp"
#include "explain/knowledge_impl.hpp"
#include "explain/parse.hpp"

#include <cstring>

namespace rblscope {

namespace {
constexpr std::size_t k_max_line = 1 << 20;    // longer lines are cut (and counted)
constexpr std::size_t k_max_message = 8 << 20; // a message is parsed in pieces beyond this

// Every field comes from the input: whatever a parser kept, nothing unprintable leaves.
void make_printable(Rejection& r) {
    for (auto* field : {&r.source,
                        &r.where,
                        &r.time,
                        &r.log_host,
                        &r.queue_id,
                        &r.recipient,
                        &r.remote_host,
                        &r.remote_ip,
                        &r.action,
                        &r.status,
                        &r.command}) {
        *field = sanitize_text(*field, 320);
    }
    r.reply = sanitize_text(r.reply, 4096);
}
} // namespace

struct RejectionReader::Impl {
    std::string name;
    Sink sink;
    explain_detail::WordingTest wording; // a known rejection's words, when knowledge is given
    std::string carry;                   // the start of a line whose end has not arrived yet
    bool cutting = false;
    std::uint64_t line_no = 0;
    std::uint64_t byte_count = 0;
    std::uint64_t cut = 0;
    std::uint64_t messages = 0;
    explain_detail::LogState state;
    std::string message;
    std::uint64_t message_first_line = 0;
    bool previous_blank = true;

    void flush_message() {
        if (message.find_first_not_of(" \t\r\n") != std::string::npos) {
            ++messages;
            explain_detail::parse_message(message, name, message_first_line, wording, sink);
        }
        message.clear();
    }

    void on_line(std::string_view line) {
        ++line_no;
        Rejection r;
        switch (explain_detail::parse_log_line(line, state, r)) {
        case explain_detail::LineKind::rejection:
            r.where = name + ":" + std::to_string(line_no);
            sink(std::move(r));
            return;
        case explain_detail::LineKind::log:
            return;
        case explain_detail::LineKind::text:
            break;
        }
        // An mbox "From " line after a blank line starts the next message.
        if (line.starts_with("From ") && previous_blank && !message.empty()) {
            flush_message();
        }
        if (message.size() + line.size() + 1 > k_max_message) {
            flush_message();
        }
        if (message.empty()) {
            message_first_line = line_no;
        }
        message.append(line);
        message.push_back('\n');
        previous_blank = line.find_first_not_of(" \t\r") == std::string_view::npos;
    }
};

RejectionReader::RejectionReader(std::string source_name,
                                 Sink sink,
                                 const BounceKnowledge* knowledge)
    : m_impl(std::make_unique<Impl>()) {
    m_impl->name = std::move(source_name);
    m_impl->wording = [knowledge](std::string_view text) {
        using explain_detail::Wording;
        if (knowledge == nullptr) {
            return Wording::none;
        }
        const auto& k = knowledge->impl();
        const auto hit = k.first_rule_match(text);
        if (hit < 0) {
            return Wording::none;
        }
        const auto& rule = k.rules[k.rule_patterns[static_cast<std::size_t>(hit)].first];
        return rule.category == RejectCategory::unknown ? Wording::vague : Wording::specific;
    };
    m_impl->sink = [sink = std::move(sink)](Rejection&& r) {
        make_printable(r);
        sink(std::move(r));
    };
}

RejectionReader::~RejectionReader() = default;

void RejectionReader::feed(std::string_view bytes) {
    auto& m = *m_impl;
    m.byte_count += bytes.size();
    while (!bytes.empty()) {
        const void* nl = std::memchr(bytes.data(), '\n', bytes.size());
        const std::size_t len =
            nl == nullptr ? bytes.size()
                          : static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data());
        auto piece = bytes.substr(0, len);
        bytes.remove_prefix(nl == nullptr ? len : len + 1);
        if (m.cutting) {
            if (nl != nullptr) {
                m.cutting = false; // the end of the over-long line: skip it
            }
            continue;
        }
        if (!m.carry.empty() || nl == nullptr) {
            const auto room = k_max_line - m.carry.size();
            m.carry.append(piece.substr(0, room));
            if (piece.size() > room) {
                ++m.cut;
                m.on_line(m.carry);
                m.carry.clear();
                m.cutting = nl == nullptr;
                continue;
            }
            if (nl == nullptr) {
                return;
            }
            m.on_line(m.carry);
            m.carry.clear();
            continue;
        }
        if (piece.size() > k_max_line) {
            ++m.cut;
            piece = piece.substr(0, k_max_line);
        }
        m.on_line(piece);
    }
}

void RejectionReader::finish() {
    auto& m = *m_impl;
    if (!m.carry.empty()) {
        m.on_line(m.carry);
        m.carry.clear();
    }
    m.cutting = false;
    m.flush_message();
}

std::uint64_t RejectionReader::lines() const noexcept {
    return m_impl->line_no;
}
std::uint64_t RejectionReader::bytes() const noexcept {
    return m_impl->byte_count;
}
std::uint64_t RejectionReader::cut_lines() const noexcept {
    return m_impl->cut;
}
std::uint64_t RejectionReader::messages() const noexcept {
    return m_impl->messages;
}

} // namespace rblscope
