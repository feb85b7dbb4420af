#include "examples/server/notifier_api.h"

#include <vector>

#include "examples/server/json_writer.h"

namespace vigil::server {
namespace {

void UrlList(JsonWriter* w, const std::vector<std::string>& urls) {
  w->BeginArray();
  for (const std::string& u : urls) {
    w->BeginObject();
    w->Key("url");
    w->String(u);
    w->EndObject();
  }
  w->EndArray();
}

}  // namespace

std::string AlertmanagersJson(const notifier::Notifier& notifier) {
  JsonWriter w;
  w.BeginObject();
  w.Key("activeAlertmanagers");
  UrlList(&w, notifier.AlertmanagerUrls());
  w.Key("droppedAlertmanagers");
  UrlList(&w, notifier.DroppedAlertmanagerUrls());
  w.EndObject();
  return w.Take();
}

}  // namespace vigil::server
