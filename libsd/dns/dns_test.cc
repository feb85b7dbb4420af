// dns_sd against a fake DNS server on 127.0.0.1 (UDP) that the resolver is
// pointed at through DnsSDConfig::nameserver.
#include "libsd/dns/dns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "libsd/testing/collector.h"
#include "yaml-cpp/yaml.h"

namespace vigil::sd {
namespace {

// Answers A/AAAA/SRV/MX/NS questions from a table; unknown names get
// NXDOMAIN; names marked "fail" get SERVFAIL.
class FakeDns {
 public:
  struct Record {
    uint16_t type;
    std::string rdata;  // wire format
  };

  FakeDns() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    socklen_t len = sizeof sa;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeDns() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string addr() const { return absl::StrCat("127.0.0.1:", port_); }

  static std::string Name(absl::string_view n) {
    std::string out;
    for (absl::string_view part : absl::StrSplit(n, '.', absl::SkipEmpty())) {
      out.push_back(static_cast<char>(part.size()));
      out.append(part.data(), part.size());
    }
    out.push_back('\0');
    return out;
  }
  static std::string U16(int v) {
    return std::string{static_cast<char>(v >> 8), static_cast<char>(v & 0xff)};
  }

  void Set(const std::string& name, std::vector<Record> recs) {
    absl::MutexLock l(&mu_);
    table_[absl::AsciiStrToLower(name)] = std::move(recs);
  }
  void SetFail(const std::string& name) {
    absl::MutexLock l(&mu_);
    fail_.insert(absl::AsciiStrToLower(name));
  }
  void ClearFail() {
    absl::MutexLock l(&mu_);
    fail_.clear();
  }
  static Record Srv(int port, const std::string& target) {
    return {33, U16(0) + U16(5) + U16(port) + Name(target)};
  }
  static Record A(const std::string& ip) {
    in_addr a;
    inet_pton(AF_INET, ip.c_str(), &a);
    return {1, std::string(reinterpret_cast<char*>(&a), 4)};
  }
  static Record Aaaa(const std::string& ip) {
    in6_addr a;
    inet_pton(AF_INET6, ip.c_str(), &a);
    return {28, std::string(reinterpret_cast<char*>(&a), 16)};
  }
  static Record Mx(const std::string& host) { return {15, U16(10) + Name(host)}; }
  static Record Ns(const std::string& host) { return {2, Name(host)}; }
  static Record Cname(const std::string& host) { return {5, Name(host)}; }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      unsigned char buf[512];
      sockaddr_in from{};
      socklen_t flen = sizeof from;
      ssize_t n = ::recvfrom(fd_, buf, sizeof buf, 0,
                             reinterpret_cast<sockaddr*>(&from), &flen);
      if (n < 12) continue;
      // Question name.
      std::string qname;
      size_t i = 12;
      while (i < static_cast<size_t>(n) && buf[i] != 0) {
        size_t l = buf[i];
        if (!qname.empty()) qname.push_back('.');
        qname.append(reinterpret_cast<char*>(buf + i + 1), l);
        i += l + 1;
      }
      size_t qend = i + 5;
      if (qend > static_cast<size_t>(n)) continue;
      uint16_t qtype = (buf[i + 1] << 8) | buf[i + 2];
      std::string resp(reinterpret_cast<char*>(buf), 2);  // id
      std::vector<Record> answers;
      int rcode = 0;
      {
        absl::MutexLock l(&mu_);
        std::string key = absl::AsciiStrToLower(qname);
        if (fail_.count(key)) {
          rcode = 2;
        } else {
          auto it = table_.find(key);
          if (it == table_.end()) {
            rcode = 3;
          } else {
            for (const Record& r : it->second) {
              if (r.type == qtype || r.type == 5) answers.push_back(r);
            }
          }
        }
      }
      resp += U16(0x8180 | rcode) + U16(1) + U16(answers.size()) + U16(0) + U16(0);
      resp.append(reinterpret_cast<char*>(buf + 12), qend - 12);
      for (const Record& r : answers) {
        resp += U16(0xc00c) + U16(r.type) + U16(1) + U16(0) + U16(30) +
                U16(r.rdata.size()) + r.rdata;
      }
      ::sendto(fd_, resp.data(), resp.size(), 0,
               reinterpret_cast<sockaddr*>(&from), flen);
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  absl::Mutex mu_;
  std::map<std::string, std::vector<Record>> table_;
  std::set<std::string> fail_;
};

std::shared_ptr<DnsSDConfig> Config(const std::string& yaml, const FakeDns& dns) {
  auto cfg = ParseDnsSDConfig(YAML::Load(yaml), "p.yml");
  EXPECT_TRUE(cfg.ok()) << cfg.status();
  (*cfg)->nameserver = dns.addr();
  (*cfg)->query_timeout = absl::Seconds(1);
  (*cfg)->refresh_interval = absl::Milliseconds(50);
  return *cfg;
}

TEST(DnsSDTest, SrvRecords) {
  FakeDns dns;
  dns.Set("_metrics._tcp.example.test",
          {FakeDns::Srv(9100, "node1.example.test"), FakeDns::Srv(9101, "node2.example.test")});
  auto cfg = Config("names: ['_metrics._tcp.example.test.']", dns);
  auto g = ResolveDnsGroup(*cfg, cfg->names[0]);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->source, "_metrics._tcp.example.test.");
  ASSERT_EQ(g->targets.size(), 2u);
  EXPECT_EQ(g->targets[0].ToString(),
            "{__address__=\"node1.example.test:9100\", "
            "__meta_dns_name=\"_metrics._tcp.example.test.\", "
            "__meta_dns_srv_record_port=\"9100\", "
            "__meta_dns_srv_record_target=\"node1.example.test.\"}");
}

TEST(DnsSDTest, AAaaaMxNsAndCnameSkipped) {
  FakeDns dns;
  dns.Set("web.example.test", {FakeDns::Cname("real.example.test"),
                               FakeDns::A("10.0.0.1"), FakeDns::A("10.0.0.2"),
                               FakeDns::Aaaa("fd00::1")});
  dns.Set("example.test", {FakeDns::Mx("mail.example.test"), FakeDns::Ns("ns1.example.test")});
  auto a = Config("names: ['web.example.test.']\ntype: A\nport: 80", dns);
  auto g = ResolveDnsGroup(*a, "web.example.test.");
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_EQ(g->targets.size(), 2u);
  EXPECT_EQ(g->targets[0].ToString(),
            "{__address__=\"10.0.0.1:80\", __meta_dns_name=\"web.example.test.\"}");
  auto aaaa = Config("names: ['web.example.test.']\ntype: AAAA\nport: 80", dns);
  g = ResolveDnsGroup(*aaaa, "web.example.test.");
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_EQ(g->targets.size(), 1u);
  EXPECT_EQ(g->targets[0].Get("__address__"), "[fd00::1]:80");
  auto mx = Config("names: ['example.test.']\ntype: mx\nport: 25", dns);
  g = ResolveDnsGroup(*mx, "example.test.");
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_EQ(g->targets.size(), 1u);
  EXPECT_EQ(g->targets[0].Get("__address__"), "mail.example.test:25");
  EXPECT_EQ(g->targets[0].Get("__meta_dns_mx_record_target"), "mail.example.test.");
  auto ns = Config("names: ['example.test.']\ntype: NS\nport: 53", dns);
  g = ResolveDnsGroup(*ns, "example.test.");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->targets[0].Get("__meta_dns_ns_record_target"), "ns1.example.test.");
}

TEST(DnsSDTest, DiscovererRefreshesAndKeepsTargetsOnFailure) {
  FakeDns dns;
  dns.Set("_m._tcp.a.test", {FakeDns::Srv(1, "h1.a.test")});
  auto cfg = Config("names: ['_m._tcp.a.test.', 'missing.a.test.']", dns);
  std::vector<std::string> errors;
  absl::Mutex mu;
  SetDiscoveryErrorLogger([&](absl::string_view, absl::string_view m) {
    absl::MutexLock l(&mu);
    errors.emplace_back(m);
  });
  testing::Collector c(*cfg->NewDiscoverer());
  ASSERT_TRUE(c.WaitFor([](const auto& s) { return s.size() == 1; }));
  dns.Set("_m._tcp.a.test", {FakeDns::Srv(1, "h1.a.test"), FakeDns::Srv(2, "h2.a.test")});
  ASSERT_TRUE(c.WaitFor([](const auto& s) {
    return s.size() == 1 && s.begin()->second.targets.size() == 2;
  }));
  dns.SetFail("_m._tcp.a.test");
  absl::Time deadline = absl::Now() + absl::Seconds(15);
  while (absl::Now() < deadline) {
    {
      absl::MutexLock l(&mu);
      if (!errors.empty()) break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  {
    absl::MutexLock l(&mu);
    ASSERT_FALSE(errors.empty());
    EXPECT_NE(errors[0].find("Error refreshing DNS targets: could not resolve"),
              std::string::npos)
        << errors[0];
  }
  EXPECT_EQ(c.state().begin()->second.targets.size(), 2u);
  c.Stop();
  SetDiscoveryErrorLogger(nullptr);
}

TEST(DnsSDConfigTest, Validation) {
  auto err = [](const char* yaml) {
    return std::string(ParseDnsSDConfig(YAML::Load(yaml), "p.yml").status().message());
  };
  EXPECT_EQ(err("names: []"),
            "p.yml:1:1: DNS-SD config must contain at least one SRV record name");
  EXPECT_EQ(err("names: [a]\ntype: A"),
            "p.yml:1:1: a port is required in DNS-SD configs for all record "
            "types except SRV");
  EXPECT_EQ(err("names: [a]\ntype: TXT\nport: 1"),
            "p.yml:2:7: invalid DNS-SD records type TXT");
  auto ok = ParseDnsSDConfig(YAML::Load("names: [a]"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)->type, "SRV");
  EXPECT_EQ((*ok)->refresh_interval, absl::Seconds(30));
}

}  // namespace
}  // namespace vigil::sd
