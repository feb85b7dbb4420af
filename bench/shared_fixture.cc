#include "bench/shared_fixture.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace vigil::bench {

std::string ReadSharedTextparse(const std::string& name) {
  std::vector<std::string> roots;
  if (const char* d = std::getenv("VIGIL_SHARED_DIR")) roots.push_back(d);
  for (const char* env : {"RUNFILES_DIR", "TEST_SRCDIR"}) {
    if (const char* s = std::getenv(env)) {
      roots.push_back(std::string(s) + "/vigil_shared");
      roots.push_back(std::string(s) + "/vigil/external/vigil_shared");
    }
  }
  roots.push_back("external/vigil_shared");
  roots.push_back("/work/shared");
  for (const auto& r : roots) {
    std::ifstream f(r + "/conformance/textparse/" + name, std::ios::binary);
    if (f.good()) {
      std::stringstream ss;
      ss << f.rdbuf();
      return ss.str();
    }
  }
  return "";
}

}  // namespace vigil::bench
