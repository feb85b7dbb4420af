// An Informer lists then watches one Kubernetes resource collection (one
// path: cluster-wide or one namespace) the way client-go's reflector does:
// LIST (paginated with limit/continue) for the objects and a
// resourceVersion, then WATCH from that version
// (?watch=1&allowWatchBookmarks=true&timeoutSeconds=N), re-watching when
// the server closes the stream, re-listing on 410 Gone (status or ERROR
// event) or a malformed event, and backing off (1s doubling to 30s) while
// the apiserver is unreachable. Nothing is forgotten on errors: the last
// known objects stay until a successful list says otherwise.
//
// Thread safety: Run() is called on one thread; the callbacks run on it.

#ifndef VIGIL_LIBSD_KUBERNETES_INTERNAL_INFORMER_H_
#define VIGIL_LIBSD_KUBERNETES_INTERNAL_INFORMER_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "libsd/discoverer.h"
#include "libsd/http_client.h"
#include "nlohmann/json.hpp"

namespace vigil::sd::kubernetes_internal {

enum class EventType { kAdded, kModified, kDeleted };

struct InformerOptions {
  std::string base_url;       // https://host:port (no trailing slash)
  std::string path;           // /api/v1/pods, /api/v1/namespaces/x/pods
  std::string label_selector;
  std::string field_selector;
  absl::Duration watch_timeout = absl::Minutes(5);
  absl::Duration min_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(30);
  size_t page_size = 500;
};

class Informer {
 public:
  // Called with the complete list after each successful (re)list.
  using ListFn = std::function<void(std::vector<nlohmann::json> items)>;
  using EventFn = std::function<void(EventType, const nlohmann::json& obj)>;

  Informer(InformerOptions opts, HTTPClientConfig http, ListFn on_list,
           EventFn on_event, RefreshMetrics* metrics);

  void Run(const absl::Notification& stop);

  // "<base_url><path>?<query>" with selectors and extra parameters.
  std::string Url(const std::string& extra_query) const;

 private:
  // Lists everything; on success stores the version and calls on_list.
  bool List(const absl::Notification& stop);
  enum class WatchEnd { kRewatch, kRelistNow, kRelistAfterBackoff };
  // Watches once and says what to do next.
  WatchEnd Watch(const absl::Notification& stop);
  void Fail(const std::string& msg);

  InformerOptions opts_;
  HttpClient client_;
  ListFn on_list_;
  EventFn on_event_;
  RefreshMetrics* metrics_;
  std::string resource_version_;
};

// Percent-encodes a query value.
std::string QueryEscape(const std::string& s);

}  // namespace vigil::sd::kubernetes_internal

#endif  // VIGIL_LIBSD_KUBERNETES_INTERNAL_INFORMER_H_
