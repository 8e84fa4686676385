#pragma once
// Pieces of the SPF grammar shared by the record parser and the evaluator.

#include <string>
#include <string_view>

namespace rblscope::spf_detail {

bool is_alpha(char c);
bool is_digit(char c);
bool is_alnum(char c);
bool is_delimiter(char c);
/// "" when `s` is a valid macro-string, else what is wrong.
std::string check_macro_string(std::string_view s);
/// "" when `s` is a valid domain-spec (macro-string ending in a top label or a macro).
std::string check_domain_spec(std::string_view s);
bool is_toplabel(std::string_view label);
/// explain-string = *( macro-string / SP ) (the TXT record exp= points to)
bool valid_explain_string(std::string_view s);

} // namespace rblscope::spf_detail
