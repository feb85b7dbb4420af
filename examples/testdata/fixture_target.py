#!/usr/bin/env python3
"""A deterministic scrape target for interop tests: serves /metrics on
127.0.0.1:<port> (port 0 = any; the chosen port is printed on stdout).
Values are functions of the scrape time, so two scrapers see plausible,
varying data (counters, a gauge, a histogram)."""
import http.server
import math
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.split("?")[0] != "/metrics":
            self.send_response(404)
            self.end_headers()
            return
        t = time.time()
        lines = [
            "# HELP fixture_requests_total Requests served.",
            "# TYPE fixture_requests_total counter",
            'fixture_requests_total{code="200",method="get"} %d' % int(t * 7),
            'fixture_requests_total{code="500",method="get"} %d' % int(t / 3),
            'fixture_requests_total{code="200",method="post"} %d' % int(t * 2),
            "# HELP fixture_temperature Temperature.",
            "# TYPE fixture_temperature gauge",
            "fixture_temperature %.3f" % (20 + 5 * math.sin(t / 10)),
            "# HELP fixture_latency_seconds Latency.",
            "# TYPE fixture_latency_seconds histogram",
        ]
        n = int(t * 10)
        acc = 0
        for le, share in (("0.1", 0.5), ("0.5", 0.3), ("1", 0.15), ("+Inf", 0.05)):
            acc += int(n * share)
            lines.append('fixture_latency_seconds_bucket{le="%s"} %d' % (le, acc))
        lines.append("fixture_latency_seconds_sum %.3f" % (n * 0.21))
        lines.append("fixture_latency_seconds_count %d" % acc)
        body = ("\n".join(lines) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
