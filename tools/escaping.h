// How the ringkv command line shows and accepts keys and values, which are arbitrary bytes:
// C-style escapes for the terminal, hex with --hex, and JSON strings (bytes >= 0x80 as \u00XX)
// for dump/load, so every byte string round-trips.
#ifndef RINGKV_TOOLS_ESCAPING_H_
#define RINGKV_TOOLS_ESCAPING_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace ringkv::tools {

// Printable ASCII as is, backslash as \\, others as \n, \t, \r or \xNN.
std::string Escape(std::string_view bytes);
// Inverse of Escape (also accepts \0, \a, \b, \f, \v); InvalidArgument on a bad escape.
absl::StatusOr<std::string> Unescape(std::string_view text);

std::string ToHex(std::string_view bytes);
absl::StatusOr<std::string> FromHex(std::string_view hex);

// A JSON string literal (with quotes) holding `bytes`: byte b >= 0x80 becomes \u00XX, so any
// bytes survive; ASCII is standard JSON.
std::string JsonString(std::string_view bytes);
// Parses a JSON string literal starting at text[*pos] (a '"'), advancing *pos past it. \u escapes
// above 0xFF are rejected (this format never writes them).
absl::StatusOr<std::string> ParseJsonString(std::string_view text, size_t* pos);

// One dump line: {"key":"...","value":"..."}.
std::string JsonLine(std::string_view key, std::string_view value);
// Parses a line written by JsonLine (whitespace and key order are free).
absl::Status ParseJsonLine(std::string_view line, std::string* key, std::string* value);

}  // namespace ringkv::tools

#endif  // RINGKV_TOOLS_ESCAPING_H_
