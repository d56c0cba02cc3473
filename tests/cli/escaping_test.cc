// Every byte string survives the command line's escapes, hex and JSON forms, and malformed
// input is an error, not a guess.
#include "tools/escaping.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace ringkv::tools {
namespace {

TEST(EscapingTest, EveryByteStringRoundTrips) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 500; ++i) {
    std::string bytes(rng() % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    auto un = Unescape(Escape(bytes));
    ASSERT_TRUE(un.ok()) << un.status();
    EXPECT_EQ(*un, bytes);
    auto hex = FromHex(ToHex(bytes));
    ASSERT_TRUE(hex.ok());
    EXPECT_EQ(*hex, bytes);
    std::string key, value;
    ASSERT_TRUE(ParseJsonLine(JsonLine(bytes, bytes + "v"), &key, &value).ok());
    EXPECT_EQ(key, bytes);
    EXPECT_EQ(value, bytes + "v");
  }
}

TEST(EscapingTest, ReadableFormsAndErrors) {
  EXPECT_EQ(Escape(std::string("a\0\xff\n\\", 5)), "a\\x00\\xff\\n\\\\");
  EXPECT_EQ(JsonString("q\"\x01"), "\"q\\\"\\u0001\"");
  EXPECT_FALSE(Unescape("bad\\q").ok());
  EXPECT_FALSE(Unescape("trailing\\").ok());
  EXPECT_FALSE(Unescape("\\x4").ok());
  EXPECT_FALSE(FromHex("abc").ok());
  EXPECT_FALSE(FromHex("zz").ok());
  std::string k, v;
  EXPECT_FALSE(ParseJsonLine("{\"key\":\"a\"}", &k, &v).ok()) << "value missing";
  EXPECT_FALSE(ParseJsonLine("{\"key\":\"\\u0100\",\"value\":\"\"}", &k, &v).ok());
  EXPECT_FALSE(ParseJsonLine("{\"key\":\"a\",\"value\":\"b\"} extra", &k, &v).ok());
  EXPECT_TRUE(ParseJsonLine(" { \"value\" : \"b\" , \"key\" : \"a\" } ", &k, &v).ok());
  EXPECT_EQ(k, "a");
}

}  // namespace
}  // namespace ringkv::tools
