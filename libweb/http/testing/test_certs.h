// Test certificates made with OpenSSL at run time (nothing checked in to
// expire): a CA, certificates it signs for 127.0.0.1 with chosen validity,
// PEM files in a directory, and `curl` as a client of a TLS server.
//
// Thread safety: plain functions.

#ifndef VIGIL_LIBWEB_HTTP_TESTING_TEST_CERTS_H_
#define VIGIL_LIBWEB_HTTP_TESTING_TEST_CERTS_H_

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"

namespace vigil::web::testing {

struct KeyAndCert {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  std::string key_pem, cert_pem;
};

// A 2048-bit RSA key and a certificate for `cn` (SAN IP 127.0.0.1), valid
// from now + `from_s` to now + `until_s` seconds, signed by `issuer` or by
// itself when null. The objects are leaked: tests make a handful.
inline KeyAndCert MakeCert(const std::string& cn, const KeyAndCert* issuer, bool is_ca,
                           long from_s = -3600, long until_s = 86400) {
  KeyAndCert out;
  out.key = EVP_RSA_gen(2048);
  out.cert = X509_new();
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(out.cert), serial++);
  X509_set_version(out.cert, 2);
  X509_gmtime_adj(X509_getm_notBefore(out.cert), from_s);
  X509_gmtime_adj(X509_getm_notAfter(out.cert), until_s);
  X509_set_pubkey(out.cert, out.key);
  X509_NAME* name = X509_get_subject_name(out.cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(out.cert, issuer != nullptr ? X509_get_subject_name(issuer->cert) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer->cert : out.cert, out.cert, nullptr, nullptr, 0);
  auto add = [&](int nid, const char* value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(out.cert, ext, -1);
    X509_EXTENSION_free(ext);
  };
  add(NID_basic_constraints, is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  if (!is_ca) add(NID_subject_alt_name, "IP:127.0.0.1");
  X509_sign(out.cert, issuer != nullptr ? issuer->key : out.key, EVP_sha256());
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, out.key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data;
  long n = BIO_get_mem_data(b, &data);
  out.key_pem.assign(data, n);
  BIO_free(b);
  b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, out.cert);
  n = BIO_get_mem_data(b, &data);
  out.cert_pem.assign(data, n);
  BIO_free(b);
  return out;
}

// Writes `kc` to `<prefix>.crt` and `<prefix>.key`.
inline void WritePem(const KeyAndCert& kc, const std::string& prefix) {
  std::ofstream(prefix + ".crt") << kc.cert_pem;
  std::ofstream(prefix + ".key") << kc.key_pem;
}

// Runs curl with `args` and returns what it printed for `-w %{http_code}`:
// "200", "401", or "000" when the connection or handshake failed.
inline std::string CurlCode(const std::string& args) {
  std::string cmd = absl::StrCat("curl -s -o /dev/null --max-time 10 -w '%{http_code}' ", args,
                                 " 2>/dev/null");
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return "popen failed";
  std::string out;
  char buf[64];
  while (size_t n = std::fread(buf, 1, sizeof(buf), p)) out.append(buf, n);
  ::pclose(p);
  return out;
}

}  // namespace vigil::web::testing

#endif  // VIGIL_LIBWEB_HTTP_TESTING_TEST_CERTS_H_
