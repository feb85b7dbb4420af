#!/usr/bin/env python3
"""A fake Kubernetes cluster for the seed end-to-end test, on 127.0.0.1.

Meant to run inside a private network namespace where the seed's names
(kubernetes.default.svc, kube-state-metrics.kube-system.svc.cluster.local)
resolve to 127.0.0.1 through /etc/hosts, so every seed job finds a target.
It serves:

  :<apiserver-port> HTTPS (cert/key given), bearer token required:
      /api/v1/{nodes,pods,services,endpoints} and the namespaced forms:
          LIST (JSON, resourceVersion) and ?watch=1 (a chunked stream that
          stays open, without events: the cluster is static, until
          timeoutSeconds);
      /metrics: the apiserver's own metrics (kubernetes-apiservers job);
      /api/v1/nodes/<node>/proxy/metrics: forwarded to the real
          node-exporter (kubernetes-nodes job);
      /api/v1/nodes/<node>/proxy/metrics/cadvisor: cAdvisor-like container
          metrics (kubernetes-cadvisor job).
  :8080 kube-state-metrics (static job): kube_node_status_allocatable_*.
  :3000 "grafana" /metrics (service annotated prometheus.io/scrape).
  :9101 /custom-metrics, a pod annotated prometheus.io/scrape, port, path.

The objects mirror the seed's manifests (monitoring namespace, the
prometheus-service and grafana services annotated for scraping, the
node-exporter service in kube-system, the default/kubernetes service) plus
one annotated pod for the kubernetes-pods job. The container metrics make
both seed alerts true: working set 6 GiB of 8 GiB allocatable (75% > 55%)
and 0.5 CPU-seconds per second on 2 cores (25% > 10%).

usage: seed_cluster.py --cert C --key K --token T --node-exporter-port N
           --vigil-port P [--apiserver-port 443] [--ready-file F]
"""
import argparse
import http.server
import json
import ssl
import sys
import threading
import time
import urllib.request

T0 = time.time()
NODE = "node-a"
GIB = 1024 ** 3


def meta(name, namespace=None, labels=None, annotations=None, uid=None):
    m = {"name": name, "uid": uid or ("uid-" + name), "resourceVersion": "100"}
    if namespace:
        m["namespace"] = namespace
    if labels:
        m["labels"] = labels
    if annotations:
        m["annotations"] = annotations
    return m


def pod(name, ns, labels, annotations, container, port):
    return {
        "kind": "Pod", "apiVersion": "v1",
        "metadata": meta(name, ns, labels, annotations),
        "spec": {"nodeName": NODE, "containers": [{
            "name": container, "image": container,
            "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}]}]},
        "status": {"phase": "Running", "podIP": "127.0.0.1", "hostIP": "127.0.0.1",
                   "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [{"name": container, "ready": True,
                                          "containerID": "containerd://" + name}]},
    }


def service(name, ns, labels, annotations, port, port_name=None, target=None):
    p = {"port": port, "protocol": "TCP", "targetPort": target or port}
    if port_name:
        p["name"] = port_name
    return {"kind": "Service", "apiVersion": "v1",
            "metadata": meta(name, ns, labels, annotations),
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.%d" % (port % 250 + 1),
                     "ports": [p]}}


def endpoints(name, ns, labels, port, port_name=None, pod_name=None):
    addr = {"ip": "127.0.0.1", "nodeName": NODE}
    if pod_name:
        addr["targetRef"] = {"kind": "Pod", "name": pod_name, "namespace": ns,
                             "uid": "uid-" + pod_name}
    p = {"port": port, "protocol": "TCP"}
    if port_name:
        p["name"] = port_name
    return {"kind": "Endpoints", "apiVersion": "v1",
            "metadata": meta(name, ns, labels),
            "subsets": [{"addresses": [addr], "ports": [p]}]}


def cluster(args):
    node = {"kind": "Node", "apiVersion": "v1",
            "metadata": meta(NODE, labels={"kubernetes.io/arch": "amd64",
                                           "kubernetes.io/hostname": NODE,
                                           "kubernetes.io/os": "linux"}),
            "status": {"addresses": [{"type": "InternalIP", "address": "127.0.0.1"},
                                     {"type": "Hostname", "address": NODE}],
                       "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}}}}
    scrape = {"prometheus.io/scrape": "true"}
    return {
        "nodes": [node],
        "pods": [
            pod("prometheus-deployment-7c9d8-abcde", "monitoring",
                {"app": "prometheus-server"}, None, "prometheus", args.vigil_port),
            pod("grafana-5f6b7-fghij", "monitoring", {"app": "grafana"}, None,
                "grafana", 3000),
            pod("node-exporter-klmno", "monitoring", {"k8s-app": "node-exporter"},
                None, "node-exporter", args.node_exporter_port),
            pod("sample-app-0", "monitoring", {"app": "sample-app"},
                dict(scrape, **{"prometheus.io/port": "9101",
                                "prometheus.io/path": "/custom-metrics"}),
                "sample-app", 8000),
        ],
        "services": [
            service("kubernetes", "default", {"component": "apiserver",
                                              "provider": "kubernetes"},
                    None, 443, "https", args.apiserver_port),
            service("prometheus-service", "monitoring", None,
                    dict(scrape, **{"prometheus.io/port": str(args.vigil_port)}),
                    8080, None, args.vigil_port),
            service("grafana", "monitoring", None,
                    dict(scrape, **{"prometheus.io/port": "3000"}), 3000),
            service("node-exporter", "kube-system", {"k8s-app": "node-exporter"},
                    None, args.node_exporter_port, "http"),
        ],
        "endpoints": [
            endpoints("kubernetes", "default", {"endpointslice.kubernetes.io/skip-mirror": "true"},
                      args.apiserver_port, "https"),
            endpoints("prometheus-service", "monitoring", None, args.vigil_port, None,
                      "prometheus-deployment-7c9d8-abcde"),
            endpoints("grafana", "monitoring", None, 3000, None, "grafana-5f6b7-fghij"),
            endpoints("node-exporter", "kube-system", {"k8s-app": "node-exporter"},
                      args.node_exporter_port, "http", "node-exporter-klmno"),
        ],
    }


def cadvisor_text():
    cpu = 0.5 * (time.time() - T0)
    lines = [
        "# HELP machine_cpu_cores Number of logical CPU cores.",
        "# TYPE machine_cpu_cores gauge",
        "machine_cpu_cores 2",
        "# HELP container_memory_working_set_bytes Current working set in bytes.",
        "# TYPE container_memory_working_set_bytes gauge",
        # Per-container series (pod set, no name): summed by the seed alert.
        'container_memory_working_set_bytes{container="prometheus",namespace="monitoring",'
        'pod="prometheus-deployment-7c9d8-abcde"} %d' % (4 * GIB),
        'container_memory_working_set_bytes{container="grafana",namespace="monitoring",'
        'pod="grafana-5f6b7-fghij"} %d' % (2 * GIB),
        # A runtime-named and a root-cgroup series: excluded by the matchers.
        'container_memory_working_set_bytes{container="prometheus",namespace="monitoring",'
        'name="k8s_prometheus",pod="prometheus-deployment-7c9d8-abcde"} %d' % (4 * GIB),
        "container_memory_working_set_bytes{id=\"/\"} %d" % (7 * GIB),
        "# HELP container_cpu_usage_seconds_total Cumulative cpu time consumed.",
        "# TYPE container_cpu_usage_seconds_total counter",
        'container_cpu_usage_seconds_total{container="prometheus",cpu="total",'
        'namespace="monitoring",pod="prometheus-deployment-7c9d8-abcde"} %.3f' % cpu,
        'container_cpu_usage_seconds_total{cpu="total",id="/"} %.3f' % (10 * cpu),
    ]
    return "\n".join(lines) + "\n"


KSM_TEXT = """# HELP kube_node_status_allocatable The allocatable for different resources of a node.
# TYPE kube_node_status_allocatable gauge
kube_node_status_allocatable{node="node-a",resource="cpu",unit="core"} 2
# HELP kube_node_status_allocatable_memory_bytes The memory resources of a node available for scheduling.
# TYPE kube_node_status_allocatable_memory_bytes gauge
kube_node_status_allocatable_memory_bytes{node="node-a"} %d
""" % (8 * GIB)

GRAFANA_TEXT = """# HELP grafana_build_info A metric with a constant '1' value.
# TYPE grafana_build_info gauge
grafana_build_info{edition="oss",version="9.3.2"} 1
"""

APISERVER_TEXT = """# HELP apiserver_request_total Counter of apiserver requests.
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",resource="pods",verb="LIST"} %d
"""


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-kube/1"
    kind = "plain"  # "apiserver", "ksm", "grafana", "app"

    def log_message(self, *args):
        pass

    def send_text(self, code, body, ctype="text/plain; version=0.0.4"):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path, _, query = self.path.partition("?")
        params = dict(p.partition("=")[::2] for p in query.split("&") if p)
        kind = self.server.kind
        if kind == "ksm" and path == "/metrics":
            return self.send_text(200, KSM_TEXT)
        if kind == "grafana" and path == "/metrics":
            return self.send_text(200, GRAFANA_TEXT)
        if kind == "app" and path == "/custom-metrics":
            return self.send_text(200, "# TYPE sample_app_up gauge\nsample_app_up 1\n")
        if kind != "apiserver":
            return self.send_text(404, "not found\n")
        st = self.server.state
        with st["lock"]:
            st["requests"].append(self.path)
        if self.headers.get("Authorization") != "Bearer " + st["token"]:
            return self.send_text(401, '{"kind":"Status","code":401}', "application/json")
        if path == "/metrics":
            return self.send_text(200, APISERVER_TEXT % len(st["requests"]))
        proxy = "/api/v1/nodes/%s/proxy/metrics" % NODE
        if path == proxy:
            url = "http://127.0.0.1:%d/metrics" % st["node_exporter_port"]
            try:
                with urllib.request.urlopen(url, timeout=10) as r:
                    return self.send_text(200, r.read().decode())
            except OSError as e:
                return self.send_text(503, "node-exporter: %s\n" % e)
        if path == proxy + "/cadvisor":
            return self.send_text(200, cadvisor_text())
        parts = [p for p in path.split("/") if p]
        ns = None
        if len(parts) == 3 and parts[:2] == ["api", "v1"]:
            resource = parts[2]
        elif len(parts) == 5 and parts[:3] == ["api", "v1", "namespaces"]:
            ns, resource = parts[3], parts[4]
        else:
            return self.send_text(404, '{"kind":"Status","code":404}', "application/json")
        objs = st["cluster"].get(resource)
        if objs is None:
            return self.send_text(404, '{"kind":"Status","code":404}', "application/json")
        if params.get("watch") in ("1", "true"):
            return self.watch(int(params.get("timeoutSeconds", "60") or 60))
        items = [o for o in objs if ns is None or o["metadata"].get("namespace") == ns]
        kind_name = (items[0]["kind"] if items else "Object") + "List"
        doc = {"kind": kind_name, "apiVersion": "v1",
               "metadata": {"resourceVersion": "100"}, "items": items}
        return self.send_text(200, json.dumps(doc), "application/json")

    def watch(self, timeout_s):
        """A chunked watch stream without events, open until timeoutSeconds
        (capped) or the client goes away; a blank line every second."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        deadline = time.time() + min(max(timeout_s, 1), 600)
        try:
            self.wfile.flush()
            while time.time() < deadline:
                time.sleep(1)
                self.wfile.write(b"1\r\n\n\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except OSError:
            pass
        self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(port, kind, state, tls=None):
    srv = Server(("127.0.0.1", port), Handler)
    srv.kind = kind
    srv.state = state
    if tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(tls[0], tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--node-exporter-port", type=int, required=True)
    ap.add_argument("--vigil-port", type=int, required=True)
    ap.add_argument("--apiserver-port", type=int, default=443)
    ap.add_argument("--ready-file")
    args = ap.parse_args()
    with open(args.token) as f:
        token = f.read().strip()
    state = {"lock": threading.Lock(), "requests": [], "token": token,
             "cluster": cluster(args), "node_exporter_port": args.node_exporter_port}
    serve(args.apiserver_port, "apiserver", state, (args.cert, args.key))
    serve(8080, "ksm", state)
    serve(3000, "grafana", state)
    serve(9101, "app", state)
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("ready\n")
    print("fake cluster serving", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
