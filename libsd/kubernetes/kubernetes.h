// kubernetes_sd_configs: targets from the Kubernetes API, for the roles
// node, pod, service, endpoints, endpointslice and ingress, with exactly
// the __meta_kubernetes_* labels of Prometheus 3.x (see
// shared/reference/prometheus-contract.md §5). Objects are listed and
// watched over HTTP(S) (see internal/informer.h); targets of objects that
// are not deleted stay while the apiserver is unreachable.
//
// Connection: `api_server` with the inline <http_config> (a value without
// scheme gets "http://" in front, as client-go does for Prometheus); or
// `kubeconfig_file` (current context: server, CA, client cert/key, token);
// or, with neither, in-cluster config (KUBERNETES_SERVICE_HOST/PORT and the
// service account's token, ca.crt and namespace files). `namespaces`
// (names, own_namespace) limits the watched namespaces; `selectors` adds
// label/field selectors to the list and watch of each watched role (the
// pod role may also select the nodes it attaches);
// `attach_metadata.node` adds node labels and annotations
// (__meta_kubernetes_node_label_*, ...) to pod and endpoint(slice)
// targets; `attach_metadata.namespace` adds the namespace's
// (__meta_kubernetes_namespace_label_*, _labelpresent_*, _annotation_*,
// _annotationpresent_*) to the groups of every role but node, watching all
// namespaces. attach_metadata deployment, job and cronjob are refused with
// Unimplemented.
//
// Thread safety: KubernetesSDConfig is immutable once parsed; its
// discoverer follows the Discoverer contract.

#ifndef VIGIL_LIBSD_KUBERNETES_KUBERNETES_H_
#define VIGIL_LIBSD_KUBERNETES_KUBERNETES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libsd/discoverer.h"
#include "libsd/http_client.h"

namespace YAML {
class Node;
}

namespace vigil::sd {

enum class KubernetesRole { kNode, kPod, kService, kEndpoints, kEndpointSlice, kIngress };

// "node", "pod", "service", "endpoints", "endpointslice", "ingress".
absl::string_view KubernetesRoleName(KubernetesRole role);

struct KubernetesSelector {
  std::string role;
  std::string label;
  std::string field;
};

class KubernetesSDConfig : public DiscovererConfig {
 public:
  KubernetesRole role = KubernetesRole::kPod;
  std::string api_server;
  std::string kubeconfig_file;
  HTTPClientConfig http;
  bool own_namespace = false;
  std::vector<std::string> namespaces;
  std::vector<KubernetesSelector> selectors;
  bool attach_node = false;       // attach_metadata.node
  bool attach_namespace = false;  // attach_metadata.namespace

  // Not read from YAML: where in-cluster files live (tests point it at a
  // temporary directory), the watch timeout, and the retry backoff.
  std::string service_account_dir =
      "/var/run/secrets/kubernetes.io/serviceaccount";
  absl::Duration watch_timeout = absl::Minutes(5);
  absl::Duration min_backoff = absl::Seconds(1);

  std::string Name() const override { return "kubernetes"; }
  std::string Fingerprint() const override;
  // FailedPrecondition when in-cluster config is needed but the
  // environment or service-account files are missing, or the kubeconfig
  // cannot be read ("unable to load in-cluster configuration,
  // KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined").
  absl::StatusOr<std::unique_ptr<Discoverer>> NewDiscoverer() const override;
};

// Parses one kubernetes_sd_configs entry with Prometheus's validation and
// words: "role missing (one of: pod, service, endpoints, endpointslice,
// node, ingress)", "unknown Kubernetes SD role \"x\"", "cannot use
// 'kubeconfig_file' and 'api_server' simultaneously", "to use custom HTTP
// client configuration please provide the 'api_server' URL explicitly",
// "cannot use 'api_server' and 'namespaces.own_namespace' simultaneously",
// "duplicated selector role: pod", "endpoints role supports only pod,
// service, endpoints selectors", "invalid api_server URL \"10.0.0.1:6443\":
// first path segment in URL cannot contain colon".
absl::StatusOr<std::shared_ptr<KubernetesSDConfig>> ParseKubernetesSDConfig(
    const YAML::Node& node, absl::string_view source = "");

}  // namespace vigil::sd

#endif  // VIGIL_LIBSD_KUBERNETES_KUBERNETES_H_
