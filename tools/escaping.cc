#include "tools/escaping.h"

#include <cctype>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace ringkv::tools {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The escapes both forms share; `quote` is escaped too, other bytes outside printable ASCII
// become `hex_format`.
void AppendEscaped(std::string* out, std::string_view bytes, char quote,
                   const absl::FormatSpec<unsigned>& hex_format) {
  for (const char ch : bytes) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\t': *out += "\\t"; break;
      case '\r': *out += "\\r"; break;
      default:
        if (quote != 0 && ch == quote) {
          out->push_back('\\');
          out->push_back(ch);
        } else if (c >= 0x20 && c < 0x7f) {
          out->push_back(ch);
        } else {
          absl::StrAppendFormat(out, hex_format, unsigned{c});
        }
    }
  }
}

}  // namespace

std::string Escape(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  AppendEscaped(&out, bytes, 0, "\\x%02x");
  return out;
}

absl::StatusOr<std::string> Unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(text[i]);
      continue;
    }
    if (++i == text.size()) return absl::InvalidArgumentError("trailing backslash");
    switch (text[i]) {
      case '\\': out.push_back('\\'); break;
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case '0': out.push_back('\0'); break;
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'v': out.push_back('\v'); break;
      case 'x': {
        const int hi = i + 1 < text.size() ? HexDigit(text[i + 1]) : -1;
        const int lo = i + 2 < text.size() ? HexDigit(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("bad escape at byte ", i - 1, ": \\x needs two hex digits"));
        }
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        break;
      }
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("unknown escape \\", std::string(1, text[i]), " at byte ", i - 1));
    }
  }
  return out;
}

std::string ToHex(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) absl::StrAppendFormat(&out, "%02x", static_cast<unsigned char>(c));
  return out;
}

absl::StatusOr<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return absl::InvalidArgumentError(absl::StrCat("hex string of odd length ", hex.size()));
  }
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = HexDigit(hex[i]);
    const int lo = HexDigit(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return absl::InvalidArgumentError(absl::StrCat("not a hex digit at position ", i));
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string JsonString(std::string_view bytes) {
  std::string out = "\"";
  AppendEscaped(&out, bytes, '"', "\\u%04x");
  out.push_back('"');
  return out;
}

absl::StatusOr<std::string> ParseJsonString(std::string_view text, size_t* pos) {
  size_t i = *pos;
  if (i >= text.size() || text[i] != '"') {
    return absl::InvalidArgumentError(absl::StrCat("expected '\"' at column ", i + 1));
  }
  std::string out;
  for (++i; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      *pos = i + 1;
      return out;
    }
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i >= text.size()) break;
    switch (text[i]) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'u': {
        if (i + 4 >= text.size()) return absl::InvalidArgumentError("truncated \\u escape");
        int v = 0;
        for (int k = 1; k <= 4; ++k) {
          const int d = HexDigit(text[i + k]);
          if (d < 0) return absl::InvalidArgumentError(absl::StrCat("bad \\u escape at column ", i));
          v = v * 16 + d;
        }
        if (v > 0xff) {
          return absl::InvalidArgumentError(absl::StrCat(
              "\\u", std::string(text.substr(i + 1, 4)),
              " at column ", i, ": only \\u0000-\\u00ff (one byte each) are accepted"));
        }
        out.push_back(static_cast<char>(v));
        i += 4;
        break;
      }
      default:
        return absl::InvalidArgumentError(absl::StrCat("bad escape at column ", i));
    }
  }
  return absl::InvalidArgumentError("unterminated string");
}

std::string JsonLine(std::string_view key, std::string_view value) {
  return absl::StrCat("{\"key\":", JsonString(key), ",\"value\":", JsonString(value), "}");
}

absl::Status ParseJsonLine(std::string_view line, std::string* key, std::string* value) {
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
  };
  auto expect = [&](char c) -> absl::Status {
    skip_ws();
    if (i >= line.size() || line[i] != c) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected '", std::string(1, c), "' at column ", i + 1));
    }
    ++i;
    return absl::OkStatus();
  };
  absl::Status s = expect('{');
  if (!s.ok()) return s;
  bool have_key = false, have_value = false;
  for (;;) {
    skip_ws();
    absl::StatusOr<std::string> name = ParseJsonString(line, &i);
    if (!name.ok()) return name.status();
    s = expect(':');
    if (!s.ok()) return s;
    skip_ws();
    absl::StatusOr<std::string> v = ParseJsonString(line, &i);
    if (!v.ok()) return v.status();
    if (*name == "key") {
      *key = std::move(*v);
      have_key = true;
    } else if (*name == "value") {
      *value = std::move(*v);
      have_value = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown field \"", *name, "\""));
    }
    skip_ws();
    if (i < line.size() && line[i] == ',') {
      ++i;
      continue;
    }
    s = expect('}');
    if (!s.ok()) return s;
    break;
  }
  skip_ws();
  if (i != line.size()) return absl::InvalidArgumentError("trailing characters after '}'");
  if (!have_key || !have_value) {
    return absl::InvalidArgumentError("a line needs both \"key\" and \"value\"");
  }
  return absl::OkStatus();
}

}  // namespace ringkv::tools
