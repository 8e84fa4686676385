#pragma once
/// \file explain.hpp
/// \brief `rblscope explain`: from bounces and mail logs to the cause and the fix.
///
/// Three parts, each usable alone:
/// - `BounceKnowledge`: providers and rejection patterns, read from the `[[provider]]` and
///   `[[rejection]]` tables of `lists.toml` (data, not code: a new pattern needs no build);
/// - `RejectionReader`: a streaming reader that finds every rejection or deferral in
///   Postfix, Exim, Sendmail and qmail logs, DSN/NDR bounces (plain or MIME) and pasted
///   SMTP replies;
/// - `explain()`: one rejection -> provider, category, codes, sending IP, named list and the
///   remediation with its templates filled in.

#include "rblscope/catalog.hpp"
#include "rblscope/error.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rblscope {

/// Why mail was refused, as far as the fix is concerned.
enum class RejectCategory : std::uint8_t {
    public_blocklist,   ///< a public DNSBL named in the reply (Spamhaus, Barracuda, ...)
    provider_blocklist, ///< the receiver's own list (Microsoft Blocklist 1, S3150, TS03 ...)
    throttling,         ///< deferral of a new or low-reputation IP; clears with time
    authentication,     ///< SPF, DKIM or DMARC
    reverse_dns,        ///< missing or mismatched PTR / FCrDNS
    rate_limit,         ///< rate, connection or recipient-count limits
    content,            ///< spam or malware verdict on the message itself
    policy,             ///< the recipient organisation's own policy (relay, block rule)
    sender,             ///< the envelope sender refused (domain, address), or relaying denied
    recipient,       ///< the recipient side: unknown user or domain, disabled (not a sender issue)
    size_quota,      ///< mailbox full, message too big, the recipient's quota
    network,         ///< no connection, DNS failure, TLS, queue expiry, the receiver's error
    not_a_rejection, ///< a complaint (ARF feedback), an auto-reply, a delivery report
    unknown,         ///< no pattern matched
};
[[nodiscard]] std::string_view to_string(RejectCategory c) noexcept;

/// A mailbox provider or mail filter that rejects mail (`[[provider]]` in lists.toml).
/// One of a provider's sender requirements (`[[provider.requirement]]`), which vet fills in.
struct SenderRequirement {
    std::string id;         ///< e.g. "spf"
    std::string rule;       ///< what is required, in a sentence
    std::string applies;    ///< "all" senders, or "bulk" senders only
    std::string check;      ///< what vet judges it by: ptr, spf, dkim, dmarc, alignment, tls,
                            ///< spam-rate; "" when only the provider's own data tells
    std::string compliance; ///< the provider's name for it in its compliance data
    std::string url;        ///< where the provider states it
    std::vector<std::string> codes; ///< the provider's enhanced codes that cite it (explain)
};

struct MailProvider {
    std::string id;
    std::string name;
    std::vector<std::string> hosts;          ///< ".suffix" or an exact host name
    std::vector<std::string> signatures;     ///< RE2 patterns found in its reply texts
    std::vector<std::string> domains;        ///< mailbox domains it serves (attribution fallback)
    std::string postmaster;                  ///< the provider's page for senders
    std::string checks;                      ///< what it is known to check (vet)
    std::vector<std::string> before_sending; ///< what to do before sending to it (vet)
    std::vector<std::string> sources;        ///< catalog zones with its own view of a domain (vet)
    std::vector<SenderRequirement> requirements; ///< its sender requirements (vet)
    std::string where;                           ///< "lists.toml:LINE"
};

/// One known rejection (`[[rejection]]` in lists.toml). The first rule in file order whose
/// pattern matches wins, so specific rules come before generic ones.
struct RejectionRule {
    std::string id;
    RejectCategory category = RejectCategory::unknown;
    std::string provider; ///< provider id the reply implies when the host does not say
    std::string list;     ///< name of the list the rejection stands for (when fixed)
    std::string zone;     ///< catalog zone id of that list, for its delisting URL and --check
    std::vector<std::string> patterns; ///< RE2, case-insensitive; groups ip, list, code
    std::vector<std::string> statuses; ///< enhanced status codes matched when no text does
    /// Reports that are not rejections, by the reader's action (feedback, auto-reply,
    /// delivered): matched before any pattern.
    std::vector<std::string> actions;
    /// SMTP stages (greeting, HELO, MAIL FROM, RCPT TO, DATA) whose replies this rule
    /// explains when no rule names a cause (none matched, or only an unknown/network one).
    std::vector<std::string> stages;
    /// Ids of the provider's sender requirements a rejection of this kind points to, for
    /// codes shared by many causes (Gmail's 4.7.0 and 5.7.1).
    std::vector<std::string> requirements;
    std::string cause;              ///< one or two sentences
    std::vector<std::string> steps; ///< in order; templates (see README)
    std::string delist;             ///< URL or mailto: template
    std::string avoid;              ///< what not to do
    std::string request;            ///< ready-to-send request text template
    bool verified = true;           ///< false: the provider does not document it
    int severity = -1;              ///< exit status it warrants; -1 = from the reply class
    std::string where;
};

/// Providers and rules with their compiled pattern sets.
class BounceKnowledge {
  public:
    BounceKnowledge();
    ~BounceKnowledge();
    BounceKnowledge(BounceKnowledge&&) noexcept;
    BounceKnowledge& operator=(BounceKnowledge&&) noexcept;

    [[nodiscard]] const std::vector<MailProvider>& providers() const noexcept;
    [[nodiscard]] const std::vector<RejectionRule>& rules() const noexcept;
    [[nodiscard]] const MailProvider* provider(std::string_view id) const noexcept;

    struct Impl;
    [[nodiscard]] const Impl& impl() const noexcept { return *m_impl; }
    [[nodiscard]] Impl& impl() noexcept { return *m_impl; }

  private:
    std::unique_ptr<Impl> m_impl;
};

/// Reads the `[[provider]]` and `[[rejection]]` tables of a catalog file. Errors (unknown
/// keys, a pattern RE2 refuses, an unknown category) name "FILE:LINE:COL".
[[nodiscard]] Result<BounceKnowledge> load_bounce_knowledge(const std::string& path);
/// The knowledge of a loaded catalog, its local override files included.
[[nodiscard]] Result<BounceKnowledge> load_bounce_knowledge(const Catalog& catalog);
[[nodiscard]] Result<BounceKnowledge> parse_bounce_knowledge(std::string_view text,
                                                             const std::string& source_name);

/// One rejection or deferral found in the input. Text from the input is sanitized.
struct Rejection {
    std::string source;      ///< postfix, exim, sendmail, qmail, dsn, bounce, reply
    std::string where;       ///< "FILE:LINE" of the line that reported it
    std::string time;        ///< the log's timestamp, as written
    std::string log_host;    ///< host that logged or reported it (a gateway)
    std::string queue_id;    ///< MTA queue id
    std::string recipient;   ///< envelope recipient
    std::string remote_host; ///< the host that refused
    std::string remote_ip;
    /// bounced, deferred, expired, failed, delayed; for reports that are not rejections:
    /// feedback (an ARF complaint), auto-reply, delivered
    std::string action;
    std::string status;  ///< enhanced status code the MTA logged (dsn=, Status:)
    std::string command; ///< the SMTP command the reply answered ("RCPT TO", ...)
    std::string reply;   ///< the remote's reply (or the MTA's own error), one line
};

/// Streaming reader: feed bytes, get rejections. Memory stays bounded whatever the input
/// (lines are cut at 1 MiB, one message is read up to 8 MiB).
class RejectionReader {
  public:
    using Sink = std::function<void(Rejection&&)>;
    /// With `knowledge`, text without a reply code that is worded like one of its rules
    /// ("Your message couldn't be delivered ... wasn't found") is read as a rejection too,
    /// when no reader of a known report shape claimed it. It must outlive the reader.
    RejectionReader(std::string source_name, Sink sink, const BounceKnowledge* knowledge = nullptr);
    ~RejectionReader();
    RejectionReader(const RejectionReader&) = delete;
    RejectionReader& operator=(const RejectionReader&) = delete;

    void feed(std::string_view bytes);
    /// Ends the input: a bounce message still being read is parsed now.
    void finish();

    [[nodiscard]] std::uint64_t lines() const noexcept;
    [[nodiscard]] std::uint64_t bytes() const noexcept;
    [[nodiscard]] std::uint64_t cut_lines() const noexcept; ///< lines longer than 1 MiB
    [[nodiscard]] std::uint64_t messages() const noexcept;  ///< bounce messages parsed

    struct Impl;

  private:
    std::unique_ptr<Impl> m_impl;
};

/// What a rejection means and what to do about it.
struct Explanation {
    const MailProvider* provider = nullptr;
    bool provider_inferred = false; ///< from the recipient's domain or the reporter, not the reply
    /// How the provider was known: host (the refusing server), text (a signature in the
    /// reply), rule, recipient-domain, reporter (the server that wrote the bounce).
    std::string provider_basis;
    const RejectionRule* rule = nullptr;
    RejectCategory category = RejectCategory::unknown;
    int smtp_code = 0;
    std::string enhanced_code;
    std::string provider_code; ///< S3150, AS(1430), FBLW15, TSS04, SC-001 ...
    std::string sending_ip;
    std::string list;                ///< blocklist named in the reply
    const Zone* list_zone = nullptr; ///< that list in the zone catalog
    bool temporary = false;          ///< 4xx: the sender retries
    std::string cause;
    std::vector<std::string> steps; ///< templates filled in
    std::string delist;
    std::string avoid;
    std::string request;
    /// The provider's sender requirements this rejection points to: those that list its
    /// enhanced code, and those the rule names.
    std::vector<const SenderRequirement*> requirements;
    int exit_code = 0; ///< 0 ok, 1 warning, 2 critical (Nagios)
};

/// The provider whose host names match `host` (a refusing server or an MX), or nullptr.
[[nodiscard]] const MailProvider* provider_for_host(const BounceKnowledge& knowledge,
                                                    std::string_view host);

[[nodiscard]] Explanation
explain(const Rejection& rejection, const BounceKnowledge& knowledge, const Catalog* catalog);

/// Findings of a whole log, grouped: each distinct cause once (with its first example and
/// counts), and counts per (provider, category, sending IP, reporting host) so that "all
/// deferrals to Outlook come from the new gateway" stands out. Memory grows with the
/// number of distinct causes and senders (capped), never with the number of lines.
class FindingGroups {
  public:
    struct Cause {
        Rejection example;
        Explanation explanation;
        std::uint64_t count = 0;
        std::string first_seen, last_seen;
    };
    struct Group {
        std::string provider; ///< provider name, or the refusing host when unknown
        RejectCategory category = RejectCategory::unknown;
        std::string sending_ip;
        std::string log_host;
        std::uint64_t count = 0, deferred = 0, bounced = 0;
        std::string first_seen, last_seen;
    };

    explicit FindingGroups(std::size_t max_entries = 10000) : m_max(max_entries) {}
    /// Counts a finding. Returns the index of its cause in causes() (a new cause has count
    /// 1), or `npos` when the cap on distinct causes was reached.
    std::size_t add(Rejection&& rejection, Explanation&& explanation);
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    [[nodiscard]] const std::vector<Cause>& causes() const noexcept { return m_causes; }
    [[nodiscard]] const std::vector<Group>& groups() const noexcept { return m_groups; }
    [[nodiscard]] std::uint64_t total() const noexcept { return m_total; }
    [[nodiscard]] std::uint64_t deferred() const noexcept { return m_deferred; }
    [[nodiscard]] std::uint64_t bounced() const noexcept { return m_bounced; }
    /// Findings that are not rejections (complaints, auto-replies, delivery reports).
    [[nodiscard]] std::uint64_t reports() const noexcept { return m_reports; }
    /// Findings counted in the totals only, because the cap on distinct entries was reached.
    [[nodiscard]] std::uint64_t ungrouped() const noexcept { return m_ungrouped; }
    [[nodiscard]] int worst_exit_code() const noexcept { return m_worst; }

  private:
    std::size_t m_max;
    std::vector<Cause> m_causes;
    std::vector<Group> m_groups;
    std::unordered_map<std::string, std::size_t> m_cause_index, m_group_index;
    std::uint64_t m_total = 0, m_deferred = 0, m_bounced = 0, m_reports = 0, m_ungrouped = 0;
    int m_worst = 0;
};

} // namespace rblscope
