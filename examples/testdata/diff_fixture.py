#!/usr/bin/env python3
"""A deterministic scrape target for the differential scrape test
(scrape_diff.py): every scraper, told apart by its User-Agent (Prometheus
and Vigil scrape the same URL), sees its own sequence of states n = 1, 2,
... FREEZE, one per request, then the FREEZE state forever. So both servers
store the same values, only at their own timestamps, and once both are
frozen every query over the frozen period has one right answer.

Per state n:
  fx_requests_total{code,method}  counters: +7, +1/3, +2 per request
  fx_temperature                  gauge 20 + 0.5 * (n % 5)
  fx_queue_length{queue}          gauges
  fx_latency_seconds              histogram, per request 5/3/1/1 observations
                                  in le 0.1/0.5/1.0/+Inf, sum +2.1 (bounds in
                                  float form: 2.42 and 3.x store them alike)
  fx_rpc_duration_seconds         summary with quantiles
  fx_ephemeral{id="gone-soon"}    only while n <= EPHEMERAL: then stale
  fx_escaped{...}                 label values needing escaping and UTF-8
  fx_special{kind}                NaN, +Inf, -Inf, -0, huge and tiny values
  fx_conflict{job,instance}       labels that clash with target labels
  fx_timestamped                  explicit timestamps BASE_MS + n * 1000, the
                                  same in both servers
  fx_untyped                      no TYPE line (metric_relabel drops it in
                                  one job)

GET /metrics on every port given (a state sequence per port, URL query
and User-Agent); a port given as om:<port> serves
OpenMetrics 1.0 instead (see exposition_openmetrics). GET /state answers
the request counts per (port, User-Agent) as JSON. The chosen ports are
printed on stdout, one line, space separated.

usage: diff_fixture.py FREEZE EPHEMERAL PORTS...   (port 0 = any)
"""
import http.server
import json
import sys
import threading
import time

BASE_MS = int(time.time()) * 1000 - 60 * 1000
LOCK = threading.Lock()
COUNTS = {}  # (port, user agent) -> requests served


def latency_samples(n):
    """The fx_latency_seconds histogram's samples, in both formats."""
    return [
        'fx_latency_seconds_bucket{le="0.1"} %d' % (5 * n),
        'fx_latency_seconds_bucket{le="0.5"} %d' % (8 * n),
        'fx_latency_seconds_bucket{le="1.0"} %d' % (9 * n),
        'fx_latency_seconds_bucket{le="+Inf"} %d' % (10 * n),
        "fx_latency_seconds_sum %s" % repr(round(2.1 * n, 6)),
        "fx_latency_seconds_count %d" % (10 * n),
    ]


def exposition(n, freeze, ephemeral):
    lines = [
        "# HELP fx_requests_total Requests served.",
        "# TYPE fx_requests_total counter",
        'fx_requests_total{code="200",method="get"} %d' % (7 * n),
        'fx_requests_total{code="500",method="get"} %d' % (n // 3),
        'fx_requests_total{code="200",method="post"} %d' % (2 * n),
        "# HELP fx_temperature Temperature in degrees.",
        "# TYPE fx_temperature gauge",
        "fx_temperature %g" % (20 + 0.5 * (n % 5)),
        "# HELP fx_queue_length Items waiting.",
        "# TYPE fx_queue_length gauge",
        'fx_queue_length{queue="a"} %d' % (n % 4),
        'fx_queue_length{queue="b"} %d' % (10 - n % 3),
        "# HELP fx_latency_seconds Request latency.",
        "# TYPE fx_latency_seconds histogram",
        *latency_samples(n),
        "# HELP fx_rpc_duration_seconds RPC duration.",
        "# TYPE fx_rpc_duration_seconds summary",
        'fx_rpc_duration_seconds{quantile="0.5"} %s' % repr(0.05 + 0.001 * (n % 7)),
        'fx_rpc_duration_seconds{quantile="0.99"} %s' % repr(0.2 + 0.01 * (n % 3)),
        "fx_rpc_duration_seconds_sum %s" % repr(round(0.07 * n, 6)),
        "fx_rpc_duration_seconds_count %d" % n,
    ]
    if n <= ephemeral:
        lines += ["# HELP fx_ephemeral A series that goes away.",
                  "# TYPE fx_ephemeral gauge",
                  'fx_ephemeral{id="gone-soon"} %d' % n]
    lines += [
        "# HELP fx_escaped Label values that need escaping.",
        "# TYPE fx_escaped gauge",
        'fx_escaped{path="C:\\\\Program Files\\\\x",quote="say \\"hi\\"",'
        'newline="line1\\nline2",utf8="ünïcødé ✓ 日本"} 1',
        "# HELP fx_special Special float values.",
        "# TYPE fx_special gauge",
        'fx_special{kind="nan"} NaN',
        'fx_special{kind="pinf"} +Inf',
        'fx_special{kind="ninf"} -Inf',
        'fx_special{kind="negzero"} -0',
        'fx_special{kind="huge"} 1.2345678901234567e+300',
        'fx_special{kind="tiny"} 4.9e-324',
        'fx_special{kind="precise"} 0.1000000000000000055511151231257827',
        "# TYPE fx_conflict gauge",
        'fx_conflict{instance="inner:1",job="inner"} %d' % n,
        "# TYPE fx_timestamped gauge",
        "fx_timestamped %d %d" % (n, BASE_MS + n * 1000),
        "fx_untyped %d" % (n * 3),
    ]
    return "\n".join(lines) + "\n"


def exposition_openmetrics(n, freeze, ephemeral):
    """The same kind of data in OpenMetrics 1.0: counter families with
    _total samples, an exemplar with a timestamp, a unit, info and stateset
    families, timestamps in seconds, # EOF."""
    ts = (BASE_MS + n * 1000) / 1000.0
    lines = [
        "# TYPE fx_requests counter",
        "# HELP fx_requests Requests served.",
        'fx_requests_total{code="200",method="get"} %d # {trace_id="t%d"} 0.5 %.3f'
        % (7 * n, n, ts),
        'fx_requests_total{code="500",method="get"} %d' % (n // 3),
        'fx_requests_total{code="200",method="post"} %d' % (2 * n),
        "# TYPE fx_temperature_celsius gauge",
        "# UNIT fx_temperature_celsius celsius",
        "# HELP fx_temperature_celsius Temperature.",
        "fx_temperature_celsius %g" % (20 + 0.5 * (n % 5)),
        "# TYPE fx_build info",
        "# HELP fx_build Build information.",
        'fx_build_info{version="1.2.3",revision="abc"} 1',
        "# TYPE fx_state stateset",
        "# HELP fx_state Lifecycle state.",
        'fx_state{fx_state="starting"} %d' % (1 if n <= 5 else 0),
        'fx_state{fx_state="ready"} %d' % (0 if n <= 5 else 1),
        "# TYPE fx_latency_seconds histogram",
        "# UNIT fx_latency_seconds seconds",
        "# HELP fx_latency_seconds Request latency.",
        *latency_samples(n),
    ]
    if n <= ephemeral:
        lines += ["# TYPE fx_ephemeral gauge", 'fx_ephemeral{id="gone-soon"} %d' % n]
    lines += [
        "# TYPE fx_escaped gauge",
        'fx_escaped{path="C:\\\\dir",quote="say \\"hi\\"",newline="a\\nb"} 1',
        "# TYPE fx_timestamped gauge",
        "fx_timestamped %d %.3f" % (n, ts),
        "# EOF",
    ]
    return "\n".join(lines) + "\n"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, body, ctype):
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?")[0]
        srv = self.server
        if path == "/state":
            with LOCK:
                state = {"%s %s" % k: v for k, v in COUNTS.items()}
            return self.reply(json.dumps(state), "application/json")
        if path != "/metrics":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        # Each scrape config (told apart by its URL parameters) and each
        # scraper has its own sequence.
        query = self.path.partition("?")[2]
        port = str(srv.server_address[1]) + ("?" + query if query else "")
        key = (port, self.headers.get("User-Agent", ""))
        with LOCK:
            COUNTS[key] = COUNTS.get(key, 0) + 1
            n = min(COUNTS[key], srv.freeze)
        if srv.openmetrics:
            self.reply(exposition_openmetrics(n, srv.freeze, srv.ephemeral),
                       "application/openmetrics-text; version=1.0.0; charset=utf-8")
        else:
            self.reply(exposition(n, srv.freeze, srv.ephemeral),
                       "text/plain; version=0.0.4; charset=utf-8")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def main():
    freeze, ephemeral = int(sys.argv[1]), int(sys.argv[2])
    ports = []
    for p in sys.argv[3:]:
        om = p.startswith("om:")
        srv = Server(("127.0.0.1", int(p[3:] if om else p)), Handler)
        srv.freeze, srv.ephemeral, srv.openmetrics = freeze, ephemeral, om
        ports.append(srv.server_address[1])
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    print(" ".join(str(p) for p in ports), flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
