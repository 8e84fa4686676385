#pragma once
// Compiled form of the bounce knowledge: one RE2::Set over every rule pattern (one scan of
// a reply finds all candidates; the first rule in file order wins) and one over provider
// signatures.

#include "rblscope/explain.hpp"

#include <memory>
#include <re2/re2.h>
#include <re2/set.h>
#include <toml++/toml.h>
#include <utility>
#include <vector>

namespace rblscope {

struct BounceKnowledge::Impl {
    std::vector<MailProvider> providers;
    std::vector<RejectionRule> rules;

    /// Every rule pattern, in file order; set index i -> (rule, compiled pattern).
    std::unique_ptr<RE2::Set> rule_set;
    std::vector<std::pair<std::size_t, std::unique_ptr<RE2>>> rule_patterns;
    /// Every provider signature; set index i -> provider.
    std::unique_ptr<RE2::Set> signature_set;
    std::vector<std::size_t> signature_provider;

    /// The first rule whose pattern matches `reply` (index into rule_patterns), or -1.
    [[nodiscard]] long first_rule_match(std::string_view reply) const;
    /// The first provider whose signature matches, or nullptr.
    [[nodiscard]] const MailProvider* provider_by_signature(std::string_view reply) const;
};

/// The knowledge from a catalog document (one file's, or the merged catalog's).
[[nodiscard]] Result<BounceKnowledge>
parse_bounce_knowledge_document(const toml::table& root, const std::string& source_name);

} // namespace rblscope
