#!/usr/bin/env python3
"""Differential scrape test: Prometheus 2.42 and Vigil scrape the SAME
fixture targets (diff_fixture.py) with the same config, then the same API
requests must give the same JSON up to ordering of unordered results and
float tolerance.

How two independent scrapers can agree (rules of thumb):
  * The fixture gives each scraper (by User-Agent) its own sequence of
    states 1..FREEZE, one per request, then holds the last one. Both servers
    therefore store the same VALUES, at their own timestamps.
  * "frozen" time T_F: both servers' last FREEZE_MARGIN seconds are all in
    the frozen state and the ephemeral series went stale long before. Every
    instant query at T_F, and every range query whose lookback and windows
    lie in the frozen period, has exactly one right answer: compared
    exactly (1e-12 relative: a Unix time in seconds to about a millisecond).
  * "live" time T_L: both servers were still counting up during
    [T_L - 10s, T_L]. Ratios of rates of series from the same scrape
    (histogram_quantile over rate, rate(sum)/rate(count)) do not depend on
    when the scrapes happened: compared exactly. Plain rates depend on the
    scrape timestamps' jitter: compared with RATE_TOLERANCE.
  * Whole histories ("metric[10m]" at T_F): values compared after dropping
    timestamps and collapsing repeats (the frozen tails differ in length);
    counts over time of changes, resets and of the ephemeral series are
    exact. Samples with explicit timestamps (fx_timestamped) are identical
    including timestamps.
  * T_L and T_F come from the servers' own data (timestamps of the first
    and of the first frozen sample), not from the wall clock, so a slow
    machine only makes the test wait longer.
  * Prometheus 3.x (which Vigil follows) rewrites classic histogram `le`
    and summary `quantile` label values of the text format to their float
    form ("1" -> "1.0"); 2.42 keeps them as exposed. The fixture exposes
    them in float form already, so both versions store the same labels.
  * One target speaks OpenMetrics 1.0 (units, info, stateset, an exemplar
    on every state). Exemplar storage is off by default in Prometheus
    (feature flag) and absent in Vigil: both must answer no exemplars.
  * Extra jobs: honor_labels + honor_timestamps: false (a second sequence
    on t1, told apart by a URL parameter) and a target that refuses
    connections (up 0 in both; lastError compared up to the cause text).
    Not included: sample_limit. When the limit is hit, both report
    scrape_samples_post_metric_relabeling = all samples, but Prometheus
    reports series_added = 0 after the first failure, keeps the target's
    metadata and creates the series for the stale markers; Vigil reports
    series_added again on every failed scrape, and does neither.
Also compared: /api/v1/series, /labels, /label/<n>/values, /targets
(fields except lastScrape and lastScrapeDuration, which are checked for
shape), error answers (status code, errorType), and /api/v1/metadata when
Vigil serves it (skipped while it answers an empty object).

usage: scrape_diff.py --prometheus BIN --vigil BIN --fixture diff_fixture.py
           --tmp DIR
Exits 1 listing every difference.
"""
import argparse
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

FREEZE = 30          # states per scraper before the values hold
EPHEMERAL = 8        # fx_ephemeral exists in states 1..EPHEMERAL
SCRAPE_INTERVAL = 1  # seconds, both servers
FREEZE_MARGIN = 15   # seconds of frozen data before T_F
# A plain rate depends on the scrape spacing; a starved scrape loop that
# falls a couple of seconds behind changes it by tens of percent, a unit or
# extrapolation bug by a factor.
RATE_TOLERANCE = 0.4
START = time.time()
PROCS = []


def log(msg):
    print("[%6.1fs] %s" % (time.time() - START, msg), flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(name, argv, tmp, stdout=None):
    out = stdout or open(os.path.join(tmp, name + ".log"), "w")
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT if stdout is None
                         else open(os.path.join(tmp, name + ".log"), "w"))
    PROCS.append((name, p))
    log("started %s pid %d" % (name, p.pid))
    return p


def stop_all():
    for _, p in PROCS:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for name, p in PROCS:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            log("%s ignored SIGTERM; killing pid %d" % (name, p.pid))
            p.kill()
            p.wait(timeout=10)


def request(base, path, params=None, post=True):
    """Returns (HTTP status, parsed JSON or None)."""
    q = urllib.parse.urlencode(params or {}, doseq=True)
    if post:
        req = urllib.request.Request(base + path, data=q.encode(), method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded"})
    else:
        req = urllib.request.Request(base + path + ("?" + q if q else ""))
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            return e.code, json.loads(body)
        except ValueError:
            return e.code, None


def wait_for(what, fn, deadline_s, interval=0.5):
    end = time.time() + deadline_s
    detail = None
    while time.time() < end:
        try:
            ok, detail = fn()
            if ok:
                log("ok: " + what)
                return detail
        except (OSError, ValueError, KeyError) as e:
            detail = repr(e)
        time.sleep(interval)
    raise SystemExit("FAIL: %s within %ds: %s" % (what, deadline_s, detail))


# ---------------------------------------------------------------- compare

def same_sample_value(a, b, rel):
    """Sample values are strings: floats ("NaN", "+Inf" parse) compared
    with tolerance, anything else (string results) exactly."""
    try:
        fa, fb = float(a), float(b)
    except ValueError:
        return a == b
    if fa == 0 and fb == 0:
        return math.copysign(1, fa) == math.copysign(1, fb)  # -0 vs 0
    return close(fa, fb, rel)


def close(a, b, rel):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rel * max(abs(a), abs(b)) or abs(a - b) <= 1e-12


def canon_metric(m):
    return json.dumps(m, sort_keys=True, ensure_ascii=False)


def diff_json(a, b, path, rel, unordered):
    """Differences between two JSON values as a list of strings. Sample
    pairs [t, "v"] compare t within 1 ms and v with `rel`; lists of
    {"metric": ...} objects match by metric; other lists are ordered unless
    `unordered`."""
    out = []
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            out.append("%s: keys only Prometheus %s, only Vigil %s" % (
                path, sorted(set(a) - set(b)), sorted(set(b) - set(a))))
        for k in sorted(set(a) & set(b)):
            out += diff_json(a[k], b[k], path + "." + k, rel, unordered)
        return out
    if isinstance(a, list) and isinstance(b, list):
        if (len(a) == 2 and len(b) == 2 and isinstance(a[0], (int, float))
                and isinstance(a[1], str) and isinstance(b[1], str)):
            if not isinstance(b[0], (int, float)) or abs(a[0] - b[0]) > 1e-3:
                out.append("%s: time %s vs %s" % (path, a[0], b[0]))
            elif not same_sample_value(a[1], b[1], rel):
                out.append("%s: value %s vs %s" % (path, a[1], b[1]))
            return out
        if a and all(isinstance(x, dict) and "metric" in x for x in a + b):
            ma = {canon_metric(x["metric"]): x for x in a}
            mb = {canon_metric(x["metric"]): x for x in b}
            if set(ma) != set(mb):
                out.append("%s: series only Prometheus %s; only Vigil %s" % (
                    path, sorted(set(ma) - set(mb))[:3], sorted(set(mb) - set(ma))[:3]))
            for k in sorted(set(ma) & set(mb)):
                out += diff_json(ma[k], mb[k], "%s[%s]" % (path, k), rel, unordered)
            return out
        if unordered:
            key = lambda x: json.dumps(x, sort_keys=True)
            a, b = sorted(a, key=key), sorted(b, key=key)
        if len(a) != len(b):
            sa = set(json.dumps(x, sort_keys=True) for x in a)
            sb = set(json.dumps(x, sort_keys=True) for x in b)
            out.append("%s: %d vs %d items; only Prometheus %s; only Vigil %s" % (
                path, len(a), len(b), sorted(sa - sb)[:3], sorted(sb - sa)[:3]))
            return out
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff_json(x, y, "%s[%d]" % (path, i), rel, unordered)
        return out
    if isinstance(a, bool) or isinstance(b, bool) or isinstance(a, str) or a is None:
        if a != b:
            out.append("%s: %r vs %r" % (path, a, b))
        return out
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if not close(float(a), float(b), rel):
            out.append("%s: %r vs %r" % (path, a, b))
        return out
    out.append("%s: %r vs %r" % (path, a, b))
    return out


class Differ:
    def __init__(self, prom, vigil):
        self.p, self.v = prom, vigil
        self.results = []  # (label, [differences])

    def compare(self, label, path, params, rel=1e-12, unordered=False, post=True,
                normalize=None):
        sp, jp = request(self.p, path, params, post)
        sv, jv = request(self.v, path, params, post)
        diffs = []
        if sp != sv:
            diffs.append("HTTP %d vs %d" % (sp, sv))
        if jp is None or jv is None:
            diffs.append("no JSON (Prometheus %s, Vigil %s)" % (jp is not None, jv is not None))
        else:
            if normalize:
                jp, jv = normalize(jp), normalize(jv)
            if jp.get("status") == "error" and jv.get("status") == "error":
                # Messages are free text; the type and code must agree.
                for k in ("error",):
                    jp.pop(k, None), jv.pop(k, None)
            diffs += diff_json(jp, jv, "", rel, unordered)
        if jp is not None and jp.get("status") == "success" and not diffs:
            data = jp.get("data")
            if isinstance(data, dict) and "result" in data and data["result"] in ([], None):
                # An empty answer proves little: only expected for staleness.
                if "stale" not in label:
                    diffs.append("both answers are empty (test data problem)")
        self.results.append((label, diffs))
        return jp, jv

    def report(self):
        bad = [(l, d) for l, d in self.results if d]
        for l, d in self.results:
            print(("DIFF  " if d else "SAME  ") + l)
            for x in d[:6]:
                print("        " + x)
        print("%d of %d comparisons the same" % (len(self.results) - len(bad),
                                                  len(self.results)))
        return not bad


# ---------------------------------------------------------------- timeline

def raw_series(base, selector, t):
    _, j = request(base, "/api/v1/query", {"query": "%s[15m]" % selector, "time": "%.3f" % t})
    return j["data"]["result"]


def timeline(base, t, target):
    """(first sample time, first frozen sample time) of one target's
    fx_requests_total{code="200",method="get"} on one server."""
    r = raw_series(base, 'fx_requests_total{code="200",method="get",instance="%s",'
                   'job=~"fixture|fixture-relabeled|fixture-om"}' % target, t)
    if len(r) != 1:
        return None
    vals = r[0]["values"]
    first = vals[0][0]
    frozen = [ts for ts, v in vals if float(v) == 7 * FREEZE]
    return first, (frozen[0] if frozen else None), vals[-1][0]


def collapse(values):
    out = []
    for _, v in values:
        if not out or out[-1] != v:
            out.append(v)
    return out


# Evaluated every second by both servers. Expressions avoid grouping
# clauses: 2.42 prints "sum by(x)", 3.x "sum by (x)" in the rules API.
RULES = """groups:
  - name: fixture-rules
    interval: 1s
    rules:
      - record: fixture:fx_requests:sum
        expr: sum(fx_requests_total)
        labels:
          source: recorded
      - alert: FixtureWarm
        expr: fx_temperature > 19
        for: 2s
        labels:
          severity: page
        annotations:
          summary: '{{ $labels.instance }} of {{ $labels.job }} is at {{ $value }} degrees'
          count: '{{ len (query "up") }} targets'
      - alert: NeverFires
        expr: fx_temperature > 1000
        for: 1m
"""


def run(args, tmp):
    """One experiment. Returns (all the same, a scrape failed somewhere)."""
    os.makedirs(tmp, exist_ok=True)

    ports_file = os.path.join(tmp, "fixture.ports")
    with open(ports_file, "w") as f:
        start("fixture", [sys.executable, args.fixture, str(FREEZE), str(EPHEMERAL),
                          "0", "0", "0", "om:0"], tmp, stdout=f)
    def fixture_ports():
        p = open(ports_file).read().split()
        return len(p) == 4, p
    ports = wait_for("fixture listening", fixture_ports, 30)
    t1, t2, t3, t4 = ("127.0.0.1:%s" % p for p in ports)

    with open(os.path.join(tmp, "rules.yml"), "w") as f:
        f.write(RULES)
    config = """global:
  scrape_interval: {iv}s
  scrape_timeout: {iv}s
  evaluation_interval: 15s
rule_files:
  - rules.yml
scrape_configs:
  - job_name: fixture
    static_configs:
      - targets: ["{t1}", "{t2}"]
        labels:
          team: alpha
  - job_name: fixture-relabeled
    metrics_path: /metrics
    static_configs:
      - targets: ["{t3}", "127.0.0.1:1"]
        labels:
          team: beta
    relabel_configs:
      - source_labels: [__address__]
        regex: '.*:1'
        action: drop
      - target_label: env
        replacement: test
      - source_labels: [__address__]
        regex: '([^:]+):(\\d+)'
        target_label: host
        replacement: 'h-$1'
    metric_relabel_configs:
      - source_labels: [__name__]
        regex: fx_untyped
        action: drop
      - source_labels: [__name__, code]
        regex: 'fx_requests_total;500'
        action: drop
      - source_labels: [quote]
        regex: '(.*)'
        target_label: quote_copy
        replacement: '[$1]'
  - job_name: fixture-om
    static_configs:
      - targets: ["{t4}"]
  - job_name: fixture-honor
    honor_labels: true
    honor_timestamps: false
    params:
      variant: [honor]
    static_configs:
      - targets: ["{t1}"]
  - job_name: fixture-down
    scrape_timeout: 500ms
    static_configs:
      - targets: ["127.0.0.1:{closed}"]
""".format(iv=SCRAPE_INTERVAL, t1=t1, t2=t2, t3=t3, t4=t4, closed=free_port())
    cfg = os.path.join(tmp, "scrape.yml")
    with open(cfg, "w") as f:
        f.write(config)

    pport, vport = free_port(), free_port()
    P, V = "http://127.0.0.1:%d" % pport, "http://127.0.0.1:%d" % vport
    start("prometheus", [args.prometheus, "--config.file=" + cfg,
                         "--storage.tsdb.path=" + os.path.join(tmp, "prom-data"),
                         "--web.listen-address=127.0.0.1:%d" % pport], tmp)
    start("vigil", [args.vigil, "--config.file=" + cfg,
                    "--storage.tsdb.path=" + os.path.join(tmp, "vigil-data"),
                    "--web.listen-address=127.0.0.1:%d" % vport], tmp)
    for name, base in (("Prometheus", P), ("Vigil", V)):
        wait_for(name + " ready", lambda base=base: (
            urllib.request.urlopen(base + "/-/ready", timeout=5).status == 200, None), 90)

    # Both servers past the freeze with FREEZE_MARGIN seconds to spare, on
    # every target: counted by the fixture per User-Agent.
    def progress():
        with urllib.request.urlopen("http://%s/state" % t1, timeout=5) as r:
            st = json.load(r)
        per = {}
        for key, n in st.items():
            port, ua = key.split(" ", 1)
            who = "prometheus" if ua.startswith("Prometheus/") else "vigil" \
                if ua.startswith("Vigil/") else ua
            per.setdefault(who, {})[port] = n
        need = FREEZE + FREEZE_MARGIN // SCRAPE_INTERVAL + 2
        # 4 targets + the honor_labels variant of t1.
        ok = all(len(per.get(w, {})) == 5 and min(per[w].values()) >= need
                 for w in ("prometheus", "vigil"))
        return ok, per
    wait_for("both servers scraped every target %d times" % (FREEZE + FREEZE_MARGIN),
             progress, 300, interval=1)

    now = time.time() - 1
    lines = {}
    for name, base in (("prometheus", P), ("vigil", V)):
        for tgt in (t1, t2, t3, t4):
            lines[(name, tgt)] = timeline(base, now, tgt)
    log("timelines (first, frozen, last): %s" % lines)
    if any(l is None or l[1] is None for l in lines.values()):
        raise SystemExit("FAIL: a server lacks fx_requests_total history: %s" % lines)
    t_live = min(l[1] for l in lines.values()) - 0.5
    live_ok = t_live - 10 >= max(l[0] for l in lines.values()) + 1
    t_frozen = max(l[1] for l in lines.values()) + FREEZE_MARGIN
    t_frozen = min(t_frozen, min(l[2] for l in lines.values()))
    if t_frozen - max(l[1] for l in lines.values()) < 11:
        raise SystemExit("FAIL: not enough frozen data: %s" % lines)
    log("T_L %.3f (usable %s), T_F %.3f" % (t_live, live_ok, t_frozen))
    first = min(l[0] for l in lines.values())

    d = Differ(P, V)
    tf = "%.3f" % t_frozen
    frozen_instant = [
        "up",
        "fx_requests_total",
        "sum(fx_requests_total)",
        "count by (code) (fx_requests_total)",
        "sum by (job, method) (fx_requests_total)",
        "fx_temperature",
        "fx_queue_length",
        "fx_latency_seconds_bucket",
        "histogram_quantile(0.9, fx_latency_seconds_bucket)",
        "histogram_quantile(0.5, sum by (le) (fx_latency_seconds_bucket))",
        "histogram_quantile(0.99, sum by (le, job) (rate(fx_latency_seconds_bucket[10s])))",
        "fx_rpc_duration_seconds",
        "fx_rpc_duration_seconds_count",
        "fx_escaped",
        "fx_special",
        "fx_conflict",
        "fx_untyped",
        "rate(fx_requests_total[10s])",
        "irate(fx_requests_total[10s])",
        "max_over_time(fx_requests_total[15m])",
        "min_over_time(fx_temperature[15m])",
        "max_over_time(fx_temperature[15m])",
        "changes(fx_requests_total[15m])",
        "resets(fx_requests_total[15m])",
        "count_over_time(fx_ephemeral[15m])",
        "last_over_time(fx_ephemeral[15m])",
        "max_over_time(fx_ephemeral[15m])",
        "count_over_time(fx_timestamped{job!=\"fixture-honor\"}[15m])",
        "fx_timestamped",
        "timestamp(fx_timestamped{job!=\"fixture-honor\"})",
        "count by (__name__) ({job=~\"fixture.*\"})",
        "scrape_samples_scraped",
        "scrape_samples_post_metric_relabeling",
        "scrape_series_added",
        "count(up) by (job)",
        "topk(2, fx_requests_total)",
        "label_replace(up, \"port\", \"$1\", \"instance\", \".*:(.*)\")",
        "fx_requests_total / ignoring(code) group_left sum without (code) (fx_requests_total)",
        "absent(nonexistent_metric)",
        "sort_desc(sum by (instance) (fx_requests_total))",
        # Inner windows start >= T_F - 8s: all frozen.
        "max_over_time(rate(fx_requests_total[3s])[5s:1s])",
        "sum_over_time(fx_ephemeral[15m])",
        "fx_requests_total @ %s" % tf,
        "fx_timestamped offset 2s",
        "absent_over_time(fx_ephemeral[5s])",
        "count_values(\"v\", fx_queue_length)",
        "fx_special * 2",
        "sum(fx_special)",
        "sort(fx_special)",
        "quantile(0.5, fx_requests_total)",
        "stddev(fx_requests_total)",
        "group by (team) (up)",
        "vector(time())",
        "scalar(sum(up))",
        "\"a string\"",
        "{__name__=~\"fx_.*\", job=\"fixture\"}",
        "{job=\"fixture-om\", __name__!=\"scrape_duration_seconds\"}",
        "fx_build_info",
        "fx_state",
        "fx_temperature_celsius",
        "{job=\"fixture-honor\", __name__=~\"fx_conflict|fx_timestamped|up\"}",
        "{job=\"fixture-down\", __name__!=\"scrape_duration_seconds\"}",
    ]
    for q in frozen_instant:
        d.compare("instant@T_F " + q, "/api/v1/query", {"query": q, "time": tf})
    d.compare("instant@T_F (stale) fx_ephemeral", "/api/v1/query",
              {"query": "fx_ephemeral", "time": tf})
    d.compare("instant@T_F GET up", "/api/v1/query", {"query": "up", "time": tf}, post=False)

    # Range queries inside the frozen period.
    rs = "%.3f" % (max(l[1] for l in lines.values()) + 11)
    for q in ["fx_requests_total", "sum by (code) (fx_requests_total)",
              "rate(fx_requests_total[10s])", "fx_special", "up",
              "histogram_quantile(0.9, fx_latency_seconds_bucket)",
              "fx_ephemeral"]:
        label = "range@frozen " + q + (" (stale)" if q == "fx_ephemeral" else "")
        d.compare(label, "/api/v1/query_range",
                  {"query": q, "start": rs, "end": tf, "step": "1"})
    # Explicit timestamps: the same samples in both servers, whole history.
    d.compare("range@all fx_timestamped", "/api/v1/query_range",
              {"query": "fx_timestamped{job!=\"fixture-honor\"}", "start": "%.3f" % (first - 120), "end": tf,
               "step": "0.5"})
    d.compare("matrix@T_F fx_timestamped[15m]", "/api/v1/query",
              {"query": "fx_timestamped{job!=\"fixture-honor\"}[15m]", "time": tf})

    # Whole histories without timestamps.
    def norm_matrix(j):
        if j.get("status") == "success":
            for s in j["data"]["result"]:
                s["values"] = collapse(s["values"])
        return j
    for sel in ["fx_requests_total", "fx_temperature", "fx_latency_seconds_bucket",
                "fx_ephemeral", "fx_queue_length", "fx_rpc_duration_seconds"]:
        d.compare("history@T_F %s[15m] (timestamps dropped, repeats collapsed)" % sel,
                  "/api/v1/query", {"query": sel + "[15m]", "time": tf},
                  normalize=norm_matrix)

    # While counting up.
    if live_ok:
        tl = "%.3f" % t_live
        for q in ["histogram_quantile(0.9, rate(fx_latency_seconds_bucket[10s]))",
                  "histogram_quantile(0.3, sum by (le) (rate(fx_latency_seconds_bucket[10s])))",
                  "sum(rate(fx_latency_seconds_sum[10s])) / sum(rate(fx_latency_seconds_count[10s]))",
                  "rate(fx_requests_total{code=\"200\",method=\"get\"}[10s])"
                  " / ignoring(method) rate(fx_requests_total{code=\"200\",method=\"post\"}[10s])"]:
            d.compare("instant@T_L (exact ratio) " + q, "/api/v1/query", {"query": q, "time": tl})
        # Only series that grow by the same amount at every scrape: the
        # others' windows hold a different number of increments depending
        # on each server's phase.
        for q in ["rate(fx_requests_total{code=\"200\"}[10s])",
                  "sum by (method) (rate(fx_requests_total{code=\"200\"}[10s]))",
                  "increase(fx_latency_seconds_count[10s])",
                  "deriv(fx_rpc_duration_seconds_count[10s])"]:
            d.compare("instant@T_L (+-%d%%) %s" % (RATE_TOLERANCE * 100, q), "/api/v1/query",
                      {"query": q, "time": tl}, rel=RATE_TOLERANCE)
    else:
        log("servers started too far apart for a live window; T_L comparisons skipped")

    # Metadata-ish endpoints over the whole period.
    span = {"start": "%.3f" % (first - 60), "end": tf}
    d.compare("series {job=~\"fixture.*\"}", "/api/v1/series",
              dict(span, **{"match[]": ['{job=~"fixture.*"}']}), unordered=True)
    d.compare("series fx_escaped + up", "/api/v1/series",
              dict(span, **{"match[]": ["fx_escaped", "up"]}), unordered=True)
    d.compare("labels", "/api/v1/labels", span, unordered=True)
    d.compare("labels match[]=fx_escaped", "/api/v1/labels",
              dict(span, **{"match[]": "fx_escaped"}), unordered=True)
    for name in ["__name__", "job", "code", "quote", "path", "newline", "utf8", "quote_copy",
                 "exported_job", "host"]:
        d.compare("label values " + name, "/api/v1/label/%s/values" % name, span,
                  unordered=True, post=False)
    d.compare("label values le match[]", "/api/v1/label/le/values",
              dict(span, **{"match[]": "fx_latency_seconds_bucket"}), unordered=True,
              post=False)

    # Errors.
    d.compare("error: parse", "/api/v1/query", {"query": "sum(rate(", "time": tf})
    d.compare("error: bad time", "/api/v1/query", {"query": "up", "time": "yesterday"})
    d.compare("error: too many points", "/api/v1/query_range",
              {"query": "up", "start": "0", "end": "100000", "step": "1"})
    d.compare("error: end before start", "/api/v1/query_range",
              {"query": "up", "start": "100", "end": "10", "step": "1"})
    d.compare("error: zero step", "/api/v1/query_range",
              {"query": "up", "start": "0", "end": "10", "step": "0"})
    d.compare("error: no query", "/api/v1/query", {"time": tf})
    d.compare("error: series without match[]", "/api/v1/series", span)
    # (No invalid-label-name case: 3.x, like Vigil, accepts any UTF-8 name
    # there, 2.42 answers 400.)
    d.compare("error: bad matcher", "/api/v1/series", dict(span, **{"match[]": "{foo"}))
    d.compare("error: empty matcher", "/api/v1/series", dict(span, **{"match[]": '{foo=""}'}))
    d.compare("error: execution (many-to-many)", "/api/v1/query",
              {"query": "fx_requests_total + on(job) fx_requests_total", "time": tf})
    d.compare("exemplars (exposed, not stored by default)",
              "/api/v1/query_exemplars", dict(span, query="fx_requests_total"),
              unordered=True)
    d.compare("exemplars of a series without any", "/api/v1/query_exemplars",
              dict(span, query="fx_temperature"), unordered=True)

    # Federation: the same exposition, sample timestamps removed.
    def federate(base):
        q = urllib.parse.urlencode({"match[]": ['{job=~"fixture.*"}', "up"]}, doseq=True)
        with urllib.request.urlopen(base + "/federate?" + q, timeout=30) as r:
            text = r.read().decode()
        out = set()
        for line in text.splitlines():
            if line.startswith(("scrape_duration_seconds", "ALERTS_FOR_STATE")):
                continue  # scrape timing, alert activation time: differ by nature
            if line.startswith("#") or not line.strip():
                out.add(line)
                continue
            head, _, last = line.rpartition(" ")
            # name{labels} value timestamp: drop the timestamp.
            out.add(head if re.fullmatch(r"-?\d+", last) else line)
        return out
    fp, fv = federate(P), federate(V)
    fdiff = []
    if fp != fv:
        fdiff.append("only Prometheus %s; only Vigil %s" % (sorted(fp - fv)[:4],
                                                            sorted(fv - fp)[:4]))
    d.results.append(("federate {job=~\"fixture.*\"} (timestamps dropped)", fdiff))

    # Targets: everything but the per-scrape timing fields.
    ts_re = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")

    def norm_targets(j):
        for t in j["data"]["activeTargets"]:
            ok = bool(ts_re.match(t.pop("lastScrape", ""))) and isinstance(
                t.pop("lastScrapeDuration", None), (int, float))
            t["timingShapeOk"] = ok
            # The error's cause is Go's net text in Prometheus ("dial tcp
            # ...: connect: connection refused") and curl's in Vigil; the
            # prefix naming the URL is the same.
            if t.get("lastError"):
                prefix = 'Get "%s": ' % t["scrapeUrl"]
                t["lastError"] = prefix + "..." if t["lastError"].startswith(prefix) \
                    else t["lastError"]
        return j
    d.compare("targets", "/api/v1/targets", {}, post=False, normalize=norm_targets,
              unordered=True)
    d.compare("targets scrapePool=fixture-relabeled state=active", "/api/v1/targets",
              {"scrapePool": "fixture-relabeled", "state": "active"}, post=False,
              normalize=norm_targets, unordered=True)

    def tsdb_counts(j):
        # Head statistics that both heads must agree on (no compaction
        # within the test); chunk counts and times are implementation
        # details.
        # Top-10 lists: which of several tied entries make the cut is
        # arbitrary, so entries at the cut value are compared by count only.
        def top(items):
            if len(items) < 10:
                return {"items": items}
            cut = items[-1]["value"]
            return {"above_cut": [x for x in items if x["value"] > cut],
                    "cut": cut, "at_cut": sum(1 for x in items if x["value"] == cut)}
        if j.get("status") == "success":
            data = j["data"]
            j["data"] = {"numSeries": data["headStats"]["numSeries"],
                         "seriesCountByMetricName": top(data["seriesCountByMetricName"]),
                         "labelValueCountByLabelName": top(data["labelValueCountByLabelName"])}
        return j
    d.compare("status/tsdb (series counts)", "/api/v1/status/tsdb", {}, post=False,
              normalize=tsdb_counts, unordered=True)
    # Rules and alerts: the evaluation times differ, the rest must not.
    def norm_rules(j):
        if j.get("status") != "success":
            return j
        for g in j["data"].get("groups", []):
            for k in ("evaluationTime", "lastEvaluation"):
                g[k] = "dropped" if k in g else "missing"
            for r in g.get("rules", []):
                for k in ("evaluationTime", "lastEvaluation"):
                    r[k] = "dropped" if k in r else "missing"
                for a in r.get("alerts", []):
                    a["activeAt"] = "dropped" if "activeAt" in a else "missing"
        for a in j["data"].get("alerts", []):
            a["activeAt"] = "dropped" if "activeAt" in a else "missing"
        return j
    d.compare("rules", "/api/v1/rules", {}, post=False, normalize=norm_rules, unordered=True)
    d.compare("rules type=alert", "/api/v1/rules", {"type": "alert"}, post=False,
              normalize=norm_rules, unordered=True)
    d.compare("alerts", "/api/v1/alerts", {}, post=False, normalize=norm_rules, unordered=True)
    d.compare("instant@T_F ALERTS", "/api/v1/query", {"query": "ALERTS", "time": tf})
    d.compare("instant@T_F recorded fixture:fx_requests:sum", "/api/v1/query",
              {"query": "fixture:fx_requests:sum", "time": tf})

    d.compare("targets state=dropped", "/api/v1/targets", {"state": "dropped"}, post=False,
              unordered=True)

    # Metadata, once Vigil serves it.
    _, vm = request(V, "/api/v1/metadata", {}, post=False)
    if vm and vm.get("status") == "success" and vm.get("data"):
        d.compare("metadata", "/api/v1/metadata", {}, post=False, unordered=True)
        d.compare("metadata metric=fx_latency_seconds", "/api/v1/metadata",
                  {"metric": "fx_latency_seconds"}, post=False, unordered=True)
    else:
        log("Vigil's /api/v1/metadata answers %s: metadata comparison skipped" %
            json.dumps(vm)[:100])
    tm_params = {"match_target": '{job="fixture"}', "metric": "fx_latency_seconds"}
    _, vtm = request(V, "/api/v1/targets/metadata", tm_params, post=False)
    if vtm and vtm.get("status") == "success" and vtm.get("data"):
        d.compare("targets/metadata", "/api/v1/targets/metadata", tm_params, post=False,
                  unordered=True)
        d.compare("targets/metadata all of fixture-relabeled", "/api/v1/targets/metadata",
                  {"match_target": '{job="fixture-relabeled"}'}, post=False, unordered=True)
    else:
        log("Vigil's /api/v1/targets/metadata answers %s: comparison skipped" %
            json.dumps(vtm)[:100])

    ok = d.report()
    # A scrape that failed (timeout on a starved machine) skips a state in
    # that server's history: the comparison is then not meaningful.
    failed_scrapes = False
    for name, base in (("Prometheus", P), ("Vigil", V)):
        _, j = request(base, "/api/v1/query", {"query": "min_over_time(up{job=~"
                                               "\"fixture|fixture-relabeled|fixture-om|"
                                               "fixture-honor\"}[15m]) < 1",
                                               "time": tf})
        if j["data"]["result"]:
            failed_scrapes = True
            log("%s had failed scrapes: %s" % (name, j["data"]["result"]))
    return ok, failed_scrapes


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prometheus", required=True)
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--fixture", required=True)
    ap.add_argument("--tmp", required=True)
    args = ap.parse_args()
    for attempt in (1, 2):
        try:
            ok, failed_scrapes = run(args, os.path.join(args.tmp, "attempt%d" % attempt))
        finally:
            stop_all()
            rcs = {name: p.returncode for name, p in PROCS}
            del PROCS[:]
        if rcs.get("vigil") != 0:
            # A clean SIGTERM shutdown (and, under --config=asan, no leaks).
            print("FAIL: Vigil exited with %s; see %s/attempt%d/vigil.log" % (
                rcs.get("vigil"), args.tmp, attempt))
            sys.exit(1)
        if ok:
            print("PASS")
            return
        if not failed_scrapes or attempt == 2:
            sys.exit(1)
        log("differences after failed scrapes: running the experiment once more")


if __name__ == "__main__":
    main()
