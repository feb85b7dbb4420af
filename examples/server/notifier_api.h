// /api/v1/alertmanagers from the notifier: the `data` member
//   {"activeAlertmanagers":[{"url":"http://am:9093/api/v2/alerts"}],
//    "droppedAlertmanagers":[{"url":...}]}
// with the URLs of discovered Alertmanagers and of those the sets'
// relabel_configs dropped, as Prometheus answers.
//
// Thread safety: reentrant.

#ifndef VIGIL_EXAMPLES_SERVER_NOTIFIER_API_H_
#define VIGIL_EXAMPLES_SERVER_NOTIFIER_API_H_

#include <string>

#include "librules/notifier/notifier.h"

namespace vigil::server {

std::string AlertmanagersJson(const notifier::Notifier& notifier);

}  // namespace vigil::server

#endif  // VIGIL_EXAMPLES_SERVER_NOTIFIER_API_H_
