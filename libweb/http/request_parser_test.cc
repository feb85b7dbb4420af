#include "libweb/http/request_parser.h"

#include <string>

#include "gtest/gtest.h"

namespace vigil::web {
namespace {

TEST(ParseRequestTest, GetWithQuery) {
  const std::string in =
      "GET /api/v1/query%5Fx?query=up{job=\"a\"}&x=%41+b HTTP/1.1\r\nHost: h\r\n\r\n";
  size_t used = 0;
  absl::StatusOr<Request> r = ParseRequest(in, RequestLimits(), &used);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(used, in.size());
  EXPECT_EQ(r->method, "GET");
  EXPECT_EQ(r->path, "/api/v1/query_x");
  EXPECT_EQ(r->Param("query"), "up{job=\"a\"}");
  EXPECT_EQ(r->Param("x"), "A b");
  EXPECT_EQ(r->Header("host"), "h");
}

TEST(ParseRequestTest, FormBodyBeforeQueryAndPipelining) {
  const std::string first =
      "POST /q?a=2 HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded; "
      "charset=utf-8\r\nContent-Length: 3\r\n\r\na=1";
  const std::string second = "GET / HTTP/1.1\r\n\r\n";
  size_t used = 0;
  absl::StatusOr<Request> r = ParseRequest(first + second, RequestLimits(), &used);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(used, first.size());
  auto [b, e] = r->params.equal_range("a");
  ASSERT_EQ(std::distance(b, e), 2);
  EXPECT_EQ(b->second, "1");
  EXPECT_EQ(std::next(b)->second, "2");
  r = ParseRequest(absl::string_view(first + second).substr(used), RequestLimits(), &used);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->path, "/");
}

TEST(ParseRequestTest, FormBodyIgnoredForGet) {
  absl::StatusOr<Request> r = ParseRequest(
      "GET / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 3\r\n\r\na=1",
      RequestLimits());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->HasParam("a"));
  EXPECT_EQ(r->body, "a=1");
}

// Found by fuzzing: the final chunk without its closing CRLF once made the
// parse loop call Beast again without more input, which Beast asserts on.
TEST(ParseRequestTest, ChunkedBodies) {
  const std::string head = "POST /w HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(ParseRequest(head + "0\r\n", RequestLimits()).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ParseRequest(head + "3\r\nab", RequestLimits()).status().code(),
            absl::StatusCode::kOutOfRange);
  absl::StatusOr<Request> r = ParseRequest(head + "3\r\nabc\r\n0\r\n\r\n", RequestLimits());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->body, "abc");
}

TEST(ParseRequestTest, Errors) {
  EXPECT_EQ(ParseRequest("GET / HTTP/1.1\r\nHost: h\r\n", RequestLimits()).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ParseRequest("POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab", RequestLimits())
                .status()
                .code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ParseRequest("", RequestLimits()).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(ParseRequest("GET /%zz HTTP/1.1\r\n\r\n", RequestLimits()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseRequest("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                         RequestLimits())
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseRequest("G T / HTTP/1.1\r\n\r\n", RequestLimits()).status().code(),
            absl::StatusCode::kInvalidArgument);
  RequestLimits small;
  small.max_header_bytes = 32;
  small.max_body_bytes = 2;
  EXPECT_EQ(ParseRequest("GET /" + std::string(64, 'a') + " HTTP/1.1\r\n\r\n", small)
                .status()
                .code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ParseRequest("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", small)
                .status()
                .code(),
            absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace vigil::web
