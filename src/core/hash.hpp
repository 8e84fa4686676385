#pragma once
// Hashed-email list support: address normalisation and the label encodings lists expect.

#include <optional>
#include <string>
#include <string_view>

namespace rblscope {

/// The canonical form hashed-email lists (MSBL EBL, Spamhaus HBL) hash: lowercase,
/// "+tag" removed from the local part, and for gmail.com / googlemail.com the dots in
/// the local part removed and the domain set to gmail.com.
[[nodiscard]] std::string normalize_email(std::string_view address);

/// The DNS label for `input` under `scheme`: "sha1-hex" (40 lowercase hex digits),
/// "md5-hex" (32; SURBL HashBL) or "sha256-base32" (52 RFC 4648 Base32 characters,
/// unpadded, uppercase).
/// Returns an empty string for an unknown scheme.
[[nodiscard]] std::string hash_label(std::string_view input, std::string_view scheme);

/// Lowercase hex of `bytes`, and back (nullopt for anything that is not such hex).
[[nodiscard]] std::string hex_encode(std::string_view bytes);
[[nodiscard]] std::optional<std::string> hex_decode(std::string_view text);

/// SHA-256 of `input` as 64 lowercase hex digits.
[[nodiscard]] std::string sha256_hex(std::string_view input);

} // namespace rblscope
