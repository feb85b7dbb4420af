#!/usr/bin/env python3
"""The seed's prometheus.yml and prometheus.rules, unchanged, on Vigil
against a fake Kubernetes cluster (see seed_cluster.py). Runs inside the
private network and mount namespaces set up by seed_e2e_test.sh, where
  /etc/prometheus/                       holds the seed's two files (as the
                                         seed's ConfigMap mount),
  /var/run/secrets/kubernetes.io/serviceaccount/  is a private tmpfs with
                                         the token, ca.crt and namespace,
  /etc/hosts                             maps the seed's service names
                                         (kubernetes.default.svc, ...) to
                                         127.0.0.1,
so every seed job reaches a real local target:
  kubernetes-apiservers         -> the fake apiserver's /metrics (HTTPS, CA
                                   and bearer token of the service account)
  kubernetes-nodes              -> apiserver node proxy -> real node-exporter
  kubernetes-cadvisor           -> apiserver node proxy -> container metrics
  kubernetes-pods               -> an annotated pod's /custom-metrics
  kube-state-metrics            -> kube_node_status_allocatable_* on :8080
  kubernetes-service-endpoints  -> Vigil's own /metrics (prometheus-service)
                                   and the grafana stand-in on :3000
  alerting                      -> a real Alertmanager on :9093.
Checks: target label sets after the seed's relabeling, up == 1 for all,
data from every job, the seed's rule groups loaded, both seed alerts
pending then firing with the expected values, the alerts received by the
Alertmanager, a SIGHUP reload that keeps alert state and targets, a clean
SIGTERM. (Debian's Prometheus 2.42 is built without
kubernetes_sd_configs, so it cannot serve as a reference here; the expected
label sets below follow Prometheus's relabeling rules.) Every wait is
bounded; processes are stopped by PID.

usage: seed_e2e.py --server BIN --cluster seed_cluster.py --tmp DIR
           [--node-exporter BIN] [--alertmanager BIN]
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
CONFIG = "/etc/prometheus/prometheus.yml"
VIGIL = "http://127.0.0.1:9090"
AM = "http://127.0.0.1:9093"

PROCS = []
FAILURES = []


def log(msg):
    print("[%6.1fs] %s" % (time.time() - START, msg), flush=True)


START = time.time()


def start(name, argv, tmp, env=None):
    out = open(os.path.join(tmp, name + ".log"), "w")
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                         env=dict(os.environ, **(env or {})))
    PROCS.append((name, p))
    log("started %s pid %d" % (name, p.pid))
    return p


def stop_all():
    for name, p in reversed(PROCS):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for name, p in reversed(PROCS):
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            log("%s did not stop on SIGTERM; killing pid %d" % (name, p.pid))
            p.kill()
            p.wait(timeout=10)


def get_json(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


def query(base, q):
    return get_json(base + "/api/v1/query?" + urllib.parse.urlencode({"query": q}))


def wait_for(what, fn, deadline_s, interval=1.0):
    """Polls fn() (returns (ok, detail)) until ok or the deadline."""
    end = time.time() + deadline_s
    detail = None
    while True:
        try:
            ok, detail = fn()
        except Exception as e:  # connection refused, bad JSON while starting
            ok, detail = False, repr(e)
        if ok:
            # Structured details (alert states, dropped counts) are worth a
            # line; strings are the failure texts of the checks.
            log("ok: %s%s" % (what, " %s" % (detail,) if isinstance(detail, (dict, list)) else ""))
            return detail
        if time.time() > end:
            FAILURES.append("%s: %s" % (what, detail))
            log("FAIL: %s: %s" % (what, detail))
            return None
        time.sleep(interval)


def check(what, cond, detail=""):
    if cond:
        log("ok: %s" % what)
    else:
        FAILURES.append("%s %s" % (what, detail))
        log("FAIL: %s %s" % (what, detail))


# Target label sets the seed's relabeling must produce (Prometheus's rules;
# see seed_cluster.py for the objects).
NODE_LABELS = {"kubernetes_io_arch": "amd64", "kubernetes_io_hostname": "node-a",
               "kubernetes_io_os": "linux"}
EXPECTED_TARGETS = {
    ("kubernetes-apiservers", "https://127.0.0.1:443/metrics",
     (("instance", "127.0.0.1:443"), ("job", "kubernetes-apiservers"))),
    ("kubernetes-nodes",
     "https://kubernetes.default.svc:443/api/v1/nodes/node-a/proxy/metrics",
     tuple(sorted(dict(NODE_LABELS, instance="node-a", job="kubernetes-nodes").items()))),
    ("kubernetes-cadvisor",
     "https://kubernetes.default.svc:443/api/v1/nodes/node-a/proxy/metrics/cadvisor",
     tuple(sorted(dict(NODE_LABELS, instance="node-a", job="kubernetes-cadvisor").items()))),
    ("kubernetes-pods", "http://127.0.0.1:9101/custom-metrics",
     (("app", "sample-app"), ("instance", "127.0.0.1:9101"), ("job", "kubernetes-pods"),
      ("kubernetes_namespace", "monitoring"), ("kubernetes_pod_name", "sample-app-0"))),
    ("kube-state-metrics",
     "http://kube-state-metrics.kube-system.svc.cluster.local:8080/metrics",
     (("instance", "kube-state-metrics.kube-system.svc.cluster.local:8080"),
      ("job", "kube-state-metrics"))),
    ("kubernetes-service-endpoints", "http://127.0.0.1:9090/metrics",
     (("instance", "127.0.0.1:9090"), ("job", "kubernetes-service-endpoints"),
      ("kubernetes_name", "prometheus-service"), ("kubernetes_namespace", "monitoring"))),
    ("kubernetes-service-endpoints", "http://127.0.0.1:3000/metrics",
     (("instance", "127.0.0.1:3000"), ("job", "kubernetes-service-endpoints"),
      ("kubernetes_name", "grafana"), ("kubernetes_namespace", "monitoring"))),
}


def active_targets(base):
    d = get_json(base + "/api/v1/targets")["data"]
    return d["activeTargets"], d["droppedTargets"]


def target_keys(active):
    return {(t["scrapePool"], t["scrapeUrl"], tuple(sorted(t["labels"].items())))
            for t in active}


def check_targets(base):
    active, _ = active_targets(base)
    got = target_keys(active)
    if got != EXPECTED_TARGETS:
        return False, "missing %s; unexpected %s" % (
            sorted(EXPECTED_TARGETS - got), sorted(got - EXPECTED_TARGETS))
    down = [(t["scrapeUrl"], t["health"], t["lastError"]) for t in active
            if t["health"] != "up"]
    if down:
        return False, "not up yet: %s" % down
    return True, "%d active targets" % len(active)


# Discovered but dropped by the seed's keep rules, per job: the three pods
# without prometheus.io/scrape (pod role: one target per container port);
# the endpoints of default/kubernetes and kube-system/node-exporter (not
# annotated); every endpoint but default/kubernetes:https for the
# apiservers job.
EXPECTED_DROPPED = {"kubernetes-pods": 3, "kubernetes-service-endpoints": 2,
                    "kubernetes-apiservers": 3}


def check_dropped(base):
    _, dropped = active_targets(base)
    by_job = {}
    for t in dropped:
        job = t["discoveredLabels"].get("job")
        by_job[job] = by_job.get(job, 0) + 1
    return by_job == EXPECTED_DROPPED, by_job


def check_up(base):
    r = query(base, "up")["data"]["result"]
    vals = {(s["metric"]["job"], s["metric"]["instance"]): s["value"][1] for s in r}
    want = {(dict(l)["job"], dict(l)["instance"]) for _, _, l in EXPECTED_TARGETS}
    return (set(vals) == want and all(v == "1" for v in vals.values()),
            "up = %s" % sorted(vals.items()))


def check_rules(base):
    groups = get_json(base + "/api/v1/rules")["data"]["groups"]
    names = sorted(g["name"] for g in groups)
    want = ["container CPU alert", "container memory alert"]
    if names != want:
        return False, "groups %s" % names
    for g in groups:
        if g["file"] != "/etc/prometheus/prometheus.rules" or g["interval"] != 5:
            return False, "group %s file %s interval %s" % (g["name"], g["file"], g["interval"])
        if len(g["rules"]) != 1:
            return False, "group %s has %d rules" % (g["name"], len(g["rules"]))
        r = g["rules"][0]
        if r["type"] != "alerting" or r["duration"] != 60 or r["health"] != "ok":
            return False, "rule %s: type %s duration %s health %s lastError %s" % (
                r["name"], r["type"], r["duration"], r["health"], r.get("lastError"))
        if r["labels"] != {"severity": "fatal"}:
            return False, "rule %s labels %s" % (r["name"], r["labels"])
        if r["lastEvaluation"].startswith("0001-"):
            return False, "rule %s not evaluated yet" % r["name"]
    return True, names


# Alert name -> (value once the 1m rate window is full, tolerance, threshold).
# While pending the CPU value may still be lower: rate() over a window only
# partly covered by samples extrapolates over half an interval at most.
ALERT_VALUES = {"container memory usage rate is very high( > 55%)": (75.0, 0.01, 55),
                "container CPU usage rate is very high( > 10%)": (25.0, 5.0, 10)}


def check_alerts(base, want_state):
    alerts = get_json(base + "/api/v1/alerts")["data"]["alerts"]
    got = {a["labels"]["alertname"]: a for a in alerts}
    if set(got) != set(ALERT_VALUES):
        return False, "alerts %s" % sorted(got)
    for name, (value, tol, threshold) in ALERT_VALUES.items():
        a = got[name]
        if a["state"] != want_state:
            return False, "%s is %s" % (name, a["state"])
        if float(a["value"]) <= threshold:
            return False, "%s value %s is not above %s" % (name, a["value"], threshold)
        if want_state == "firing" and abs(float(a["value"]) - value) > tol:
            return False, "%s value %s, want %s +- %s" % (name, a["value"], value, tol)
        if a["labels"].get("severity") != "fatal":
            return False, "%s labels %s" % (name, a["labels"])
    return True, {n: (a["state"], a["value"], a["activeAt"]) for n, a in got.items()}


def check_alertmanager():
    alerts = get_json(AM + "/api/v2/alerts")
    # Vigil is the only sender; its generatorURL starts with the default
    # external URL, as Prometheus's: http://<hostname>:<port>.
    prefix = "http://%s:9090/graph?g0.expr=" % socket.gethostname()
    from_vigil = {a["labels"]["alertname"] for a in alerts
                  if a.get("generatorURL", "").startswith(prefix)
                  and a["labels"].get("severity") == "fatal"
                  and a.get("status", {}).get("state") == "active"}
    return from_vigil == set(ALERT_VALUES), "Alertmanager holds %s" % [
        (a["labels"].get("alertname"), a.get("generatorURL")) for a in alerts]


def reload_keeps_state(vigil):
    """SIGHUP with the unchanged seed: the reload succeeds, and the
    unchanged rule groups keep their firing alerts (same activeAt), the
    targets stay discovered and up."""
    before = get_json(VIGIL + "/api/v1/status/runtimeinfo")["data"]["lastConfigTime"]
    alerts_before = {a["labels"]["alertname"]: a["activeAt"]
                     for a in get_json(VIGIL + "/api/v1/alerts")["data"]["alerts"]}
    time.sleep(1.1)  # lastConfigTime has second resolution in some builds
    vigil.send_signal(signal.SIGHUP)

    def reloaded():
        ri = get_json(VIGIL + "/api/v1/status/runtimeinfo")["data"]
        return ri["reloadConfigSuccess"] and ri["lastConfigTime"] != before, ri
    wait_for("SIGHUP reload of the seed config", reloaded, 30)

    def kept():
        alerts = get_json(VIGIL + "/api/v1/alerts")["data"]["alerts"]
        now = {a["labels"]["alertname"]: (a["state"], a["activeAt"]) for a in alerts}
        want = {n: ("firing", t) for n, t in alerts_before.items()}
        return now == want, "alerts %s, before %s" % (now, alerts_before)
    wait_for("alerts still firing since the same activeAt after the reload", kept, 20)
    wait_for("targets still discovered and up after the reload", lambda: check_targets(VIGIL), 60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--tmp", required=True)
    ap.add_argument("--node-exporter", default="/usr/bin/prometheus-node-exporter")
    ap.add_argument("--alertmanager", default="/usr/bin/prometheus-alertmanager")
    ap.add_argument("--cluster", required=True, help="seed_cluster.py")
    args = ap.parse_args()
    tmp = args.tmp

    # The service account, as the kubelet mounts it.
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=kube-apiserver", "-addext",
         "subjectAltName=IP:127.0.0.1,DNS:kubernetes.default.svc,"
         "DNS:kubernetes.default.svc.cluster.local",
         "-keyout", os.path.join(tmp, "apiserver.key"), "-out", SA_DIR + "/ca.crt"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(SA_DIR + "/token", "w") as f:
        f.write("seed-e2e-token\n")
    with open(SA_DIR + "/namespace", "w") as f:
        f.write("monitoring")

    start("node-exporter", [args.node_exporter, "--web.listen-address=127.0.0.1:9100",
                            "--collector.disable-defaults", "--collector.cpu",
                            "--collector.meminfo", "--collector.loadavg",
                            "--collector.uname"], tmp)
    ready = os.path.join(tmp, "cluster.ready")
    start("cluster", [sys.executable, args.cluster, "--cert", SA_DIR + "/ca.crt",
                      "--key", os.path.join(tmp, "apiserver.key"),
                      "--token", SA_DIR + "/token", "--node-exporter-port", "9100",
                      "--vigil-port", "9090", "--ready-file", ready], tmp)
    have_am = os.access(args.alertmanager, os.X_OK)
    if have_am:
        am_cfg = os.path.join(tmp, "alertmanager.yml")
        with open(am_cfg, "w") as f:
            f.write("route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n")
        start("alertmanager", [args.alertmanager, "--config.file=" + am_cfg,
                               "--storage.path=" + os.path.join(tmp, "am-data"),
                               "--web.listen-address=127.0.0.1:9093",
                               "--cluster.listen-address="], tmp)
    else:
        log("no %s: alert delivery not checked" % args.alertmanager)
    kube_env = {"KUBERNETES_SERVICE_HOST": "127.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    vigil = start("vigil", [args.server, "--config.file=" + CONFIG,
                            "--storage.tsdb.path=" + os.path.join(tmp, "vigil-data"),
                            "--web.listen-address=127.0.0.1:9090"], tmp, kube_env)

    try:
        wait_for("fake cluster up", lambda: (os.path.exists(ready), "no ready file"), 60)
        if wait_for("Vigil ready", lambda: (
                urllib.request.urlopen(VIGIL + "/-/ready", timeout=5).status == 200,
                "not ready"), 90) is None:
            return
        wait_for("the seed's targets discovered, relabeled and up", lambda: check_targets(VIGIL), 180)
        wait_for("dropped targets", lambda: check_dropped(VIGIL), 30)
        wait_for("up == 1 for every target", lambda: check_up(VIGIL), 60)
        for what, q in [
                ("node-exporter through the apiserver node proxy",
                 'count(node_cpu_seconds_total{job="kubernetes-nodes",instance="node-a"}) > 0'),
                ("cAdvisor metrics", 'machine_cpu_cores{job="kubernetes-cadvisor"} == 2'),
                ("kube-state-metrics",
                 'kube_node_status_allocatable_memory_bytes{job="kube-state-metrics"}'),
                ("the annotated pod", 'sample_app_up{kubernetes_pod_name="sample-app-0"} == 1'),
                ("Vigil's own /metrics via prometheus-service",
                 'count({job="kubernetes-service-endpoints",kubernetes_name="prometheus-service"}) > 10'),
                ("the apiserver's /metrics", 'apiserver_request_total{job="kubernetes-apiservers"}')]:
            wait_for("data from " + what, lambda q=q: (
                bool(query(VIGIL, q)["data"]["result"]), "no result for %s" % q), 60)
        wait_for("the seed's rule groups loaded and evaluated", lambda: check_rules(VIGIL), 60)
        wait_for("both seed alerts pending", lambda: check_alerts(VIGIL, "pending"), 90)
        wait_for("both seed alerts firing after for: 1m", lambda: check_alerts(VIGIL, "firing"), 150)
        wait_for("ALERTS series", lambda: (
            len(query(VIGIL, 'ALERTS{alertstate="firing",severity="fatal"}')["data"]["result"]) == 2,
            "ALERTS firing != 2"), 30)
        if have_am:
            wait_for("Alertmanager received both alerts from Vigil", check_alertmanager, 60)
        reload_keeps_state(vigil)
        check("Vigil still running", vigil.poll() is None, "exit %s" % vigil.returncode)
    finally:
        vigil_rc = None
        if vigil.poll() is None:
            vigil.send_signal(signal.SIGTERM)
            try:
                vigil_rc = vigil.wait(timeout=30)
            except subprocess.TimeoutExpired:
                vigil_rc = "timeout"
        stop_all()
    check("Vigil stops cleanly on SIGTERM", vigil_rc == 0, "exit %s" % vigil_rc)
    if FAILURES:
        for name in ["vigil", "cluster"]:
            path = os.path.join(tmp, name + ".log")
            if os.path.exists(path):
                print("---- tail of %s.log" % name)
                with open(path, errors="replace") as f:
                    print("".join(f.readlines()[-30:]))
        print("FAILED:\n  " + "\n  ".join(FAILURES))
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
