#include "libsd/kubernetes/internal/informer.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace vigil::sd::kubernetes_internal {

using json = nlohmann::json;

namespace {
constexpr size_t kMaxListBody = 256 << 20;
constexpr size_t kMaxEventLine = 64 << 20;
}  // namespace

std::string QueryEscape(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Informer::Informer(InformerOptions opts, HTTPClientConfig http,
                   ListFn on_list, EventFn on_event, RefreshMetrics* metrics)
    : opts_(std::move(opts)),
      client_(std::move(http)),
      on_list_(std::move(on_list)),
      on_event_(std::move(on_event)),
      metrics_(metrics) {}

std::string Informer::Url(const std::string& extra_query) const {
  std::string q;
  if (!opts_.label_selector.empty()) {
    absl::StrAppend(&q, "labelSelector=", QueryEscape(opts_.label_selector));
  }
  if (!opts_.field_selector.empty()) {
    absl::StrAppend(&q, q.empty() ? "" : "&", "fieldSelector=",
                    QueryEscape(opts_.field_selector));
  }
  if (!extra_query.empty()) absl::StrAppend(&q, q.empty() ? "" : "&", extra_query);
  return absl::StrCat(opts_.base_url, opts_.path, q.empty() ? "" : "?", q);
}

void Informer::Fail(const std::string& msg) {
  if (metrics_ != nullptr) ++metrics_->failures;
  LogDiscoveryError("kubernetes", msg);
}

bool Informer::List(const absl::Notification& stop) {
  if (metrics_ != nullptr) ++metrics_->refreshes;
  std::vector<json> items;
  std::string cont;
  std::string version;
  for (int page = 0; page < 100000; ++page) {
    std::string extra = absl::StrCat("limit=", opts_.page_size);
    if (!cont.empty()) absl::StrAppend(&extra, "&continue=", QueryEscape(cont));
    std::string url = Url(extra);
    auto resp = client_.Get(url, {"Accept: application/json"},
                            absl::Seconds(60), kMaxListBody, &stop);
    if (!resp.ok()) {
      if (!stop.HasBeenNotified()) Fail(std::string(resp.status().message()));
      return false;
    }
    if (resp->status != 200) {
      Fail(absl::StrCat("failed to list ", opts_.path, ": server returned HTTP status ",
                        resp->status, ": ", resp->body.substr(0, 512)));
      return false;
    }
    json doc = json::parse(resp->body, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) {
      Fail(absl::StrCat("failed to list ", opts_.path, ": malformed JSON"));
      return false;
    }
    auto it = doc.find("items");
    if (it != doc.end() && it->is_array()) {
      for (json& o : *it) {
        if (o.is_object()) items.push_back(std::move(o));
      }
    } else if (it != doc.end() && !it->is_null()) {
      Fail(absl::StrCat("failed to list ", opts_.path, ": items is not a list"));
      return false;
    }
    const json& meta = doc.value("metadata", json::object());
    version = meta.is_object() ? meta.value("resourceVersion", std::string()) : "";
    cont = meta.is_object() ? meta.value("continue", std::string()) : "";
    if (cont.empty()) break;
  }
  resource_version_ = version;
  on_list_(std::move(items));
  return true;
}

Informer::WatchEnd Informer::Watch(const absl::Notification& stop) {
  std::string extra = absl::StrCat(
      "watch=1&allowWatchBookmarks=true&timeoutSeconds=",
      absl::ToInt64Seconds(opts_.watch_timeout));
  if (!resource_version_.empty()) {
    absl::StrAppend(&extra, "&resourceVersion=", QueryEscape(resource_version_));
  }
  std::string url = Url(extra);
  bool relist = false;
  std::string buf;
  std::string error_body;
  long http_status = 0;
  auto on_status = [&](long status) {
    http_status = status;
    return true;
  };
  auto on_line = [&](absl::string_view line) -> bool {
    if (line.empty()) return true;
    json ev = json::parse(line.begin(), line.end(), nullptr, false);
    if (ev.is_discarded() || !ev.is_object()) {
      Fail(absl::StrCat("malformed watch event for ", opts_.path));
      relist = true;
      return false;
    }
    std::string type = ev.value("type", std::string());
    auto obj_it = ev.find("object");
    if (obj_it == ev.end() || !obj_it->is_object()) {
      Fail(absl::StrCat("watch event without object for ", opts_.path));
      relist = true;
      return false;
    }
    const json& obj = *obj_it;
    if (type == "ERROR") {
      const json& code = obj.value("code", json());
      if (!(code.is_number() && code.get<int>() == 410)) {
        Fail(absl::StrCat("watch of ", opts_.path, " failed: ",
                          obj.value("message", std::string("unknown error"))));
      }
      relist = true;
      return false;
    }
    std::string rv;
    const json& meta = obj.value("metadata", json::object());
    if (meta.is_object()) rv = meta.value("resourceVersion", std::string());
    if (type == "BOOKMARK") {
      if (!rv.empty()) resource_version_ = rv;
      return true;
    }
    EventType et;
    if (type == "ADDED") {
      et = EventType::kAdded;
    } else if (type == "MODIFIED") {
      et = EventType::kModified;
    } else if (type == "DELETED") {
      et = EventType::kDeleted;
    } else {
      Fail(absl::StrCat("unknown watch event type \"", type, "\" for ", opts_.path));
      return true;
    }
    on_event_(et, obj);
    if (!rv.empty()) resource_version_ = rv;
    return true;
  };
  auto on_data = [&](absl::string_view data) -> bool {
    if (http_status != 200) {
      if (error_body.size() < 4096) error_body.append(data.data(), data.size());
      return true;
    }
    buf.append(data.data(), data.size());
    size_t start = 0;
    while (true) {
      size_t nl = buf.find('\n', start);
      if (nl == std::string::npos) break;
      if (!on_line(absl::string_view(buf).substr(start, nl - start))) return false;
      start = nl + 1;
    }
    buf.erase(0, start);
    if (buf.size() > kMaxEventLine) {
      Fail(absl::StrCat("watch event larger than ", kMaxEventLine, " bytes"));
      relist = true;
      return false;
    }
    return true;
  };
  auto st = client_.Stream(url, {"Accept: application/json"}, on_status, on_data,
                           opts_.watch_timeout + absl::Seconds(30), &stop);
  if (stop.HasBeenNotified()) return WatchEnd::kRewatch;
  if (!st.ok()) {
    // client-go re-watches; a re-list after backoff is the conservative
    // equivalent and also covers a too-old version.
    Fail(std::string(st.status().message()));
    return WatchEnd::kRelistAfterBackoff;
  }
  if (*st == 410) return WatchEnd::kRelistNow;
  if (*st != 200) {
    Fail(absl::StrCat("watch of ", opts_.path, ": server returned HTTP status ",
                      *st, ": ", error_body.substr(0, 512)));
    return WatchEnd::kRelistAfterBackoff;
  }
  if (!relist && !buf.empty()) on_line(buf);  // last line without newline
  return relist ? WatchEnd::kRelistNow : WatchEnd::kRewatch;
}

void Informer::Run(const absl::Notification& stop) {
  absl::Duration backoff = opts_.min_backoff;
  while (!stop.HasBeenNotified()) {
    if (!List(stop)) {
      if (stop.WaitForNotificationWithTimeout(backoff)) return;
      backoff = std::min(backoff * 2, opts_.max_backoff);
      continue;
    }
    WatchEnd end = WatchEnd::kRewatch;
    while (!stop.HasBeenNotified()) {
      absl::Time started = absl::Now();
      end = Watch(stop);
      if (end != WatchEnd::kRewatch) break;
      // A watch that ends at once without events would spin; pace it.
      if (absl::Now() - started < absl::Milliseconds(100) &&
          stop.WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
        return;
      }
    }
    if (end == WatchEnd::kRelistAfterBackoff) {
      if (stop.WaitForNotificationWithTimeout(backoff)) return;
      backoff = std::min(backoff * 2, opts_.max_backoff);
    } else {
      backoff = opts_.min_backoff;
    }
  }
}

}  // namespace vigil::sd::kubernetes_internal
