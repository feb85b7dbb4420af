#!/usr/bin/python3
"""HTTP load test of a Prometheus-compatible server, Vigil beside Prometheus.

For each server in turn: start it on 127.0.0.1 (a free port, a temporary
data dir) scraping itself under two jobs every second; wait until ready and
scraped; open IDLE keep-alive connections (each answers one request, then
waits); run CLIENTS client threads for DURATION seconds, each on one
keep-alive connection issuing a mix of /api/v1/query and /api/v1/query_range
requests one at a time; then the same with each client sending PIPELINE
requests back to back per round trip; record every request's latency;
check the idle connections are still open and that scraping kept its
interval during the load (the raw samples of `up` over the load window:
count against the expected count, and the largest gap); stop the server by
PID. Prints a table per phase and server, and a JSON line per row.

Stdlib only (threads and raw sockets). Client and server share the
machine, so read the figures as a comparison within one run.

  bench/http_load/run.sh                      # both servers, full size
  python3 bench/http_load/http_load.py --servers vigil --clients 10 \
      --idle 100 --duration 5 --pipelined-duration 5 --check
"""
import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

QUERIES = [
    ("query", "up"),
    ("query", "sum by (job) (scrape_samples_scraped)"),
    ("query", "rate(scrape_duration_seconds[30s])"),
    ("range", "up"),
    ("range", "rate(scrape_duration_seconds[30s])"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request_bytes(port, path):
    return ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: http_load\r\n"
            "\r\n" % (path, port)).encode()


def target_for(i, now):
    kind, q = QUERIES[i % len(QUERIES)]
    if kind == "query":
        return "/api/v1/query?" + urllib.parse.urlencode({"query": q, "time": "%.3f" % now})
    return "/api/v1/query_range?" + urllib.parse.urlencode(
        {"query": q, "start": "%.3f" % (now - 300), "end": "%.3f" % now, "step": "5"})


class Conn:
    """A keep-alive HTTP/1.1 connection reading responses by hand."""

    def __init__(self, port, timeout=30):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("connection closed by server")
        self.buf += data

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self):
        """Returns (status, body) of the next response."""
        status_line = self._line()
        while status_line == b"":  # tolerate stray CRLF
            status_line = self._line()
        status = int(status_line.split()[1])
        length, chunked, close = None, False, False
        while True:
            line = self._line()
            if not line:
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            value = value.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value:
                chunked = True
            elif name == b"connection" and value == b"close":
                close = True
        if status < 200 or status in (204, 304):
            return self.read_response() if status < 200 else (status, b"")
        if chunked:
            body = []
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body.append(self._take(size))
                self._take(2)
            body = b"".join(body)
        elif length is not None:
            body = self._take(length)
        else:
            raise ConnectionError("response without length")
        if close:
            raise ConnectionError("server closed the connection (status %d)" % status)
        return status, body

    def get(self, path):
        self.sock.sendall(request_bytes(self.port, path))
        return self.read_response()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def http_get(port, path, timeout=10):
    c = Conn(port, timeout)
    try:
        return c.get(path)
    finally:
        c.close()


def write_config(path, port):
    with open(path, "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "  evaluation_interval: 1s\n"
                "scrape_configs:\n"
                "  - job_name: self\n    static_configs:\n"
                "      - targets: ['127.0.0.1:%d']\n"
                "  - job_name: static\n    static_configs:\n"
                "      - targets: ['127.0.0.1:%d']\n        labels: {kind: static}\n"
                % (port, port))


class Server:
    def __init__(self, name, binary, workdir, max_conns):
        self.name = name
        self.port = free_port()
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.config = os.path.join(self.dir, "config.yml")
        write_config(self.config, self.port)
        self.cmd = [binary, "--config.file=" + self.config,
                    "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
                    "--web.listen-address=127.0.0.1:%d" % self.port,
                    "--web.max-connections=%d" % max_conns]
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %s; log %s" %
                                   (self.name, self.proc.returncode, self.log.name))
            try:
                status, body = http_get(self.port, "/api/v1/query?query=up", timeout=2)
                if status == 200:
                    res = json.loads(body)["data"]["result"]
                    if len(res) >= 2:
                        return
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.2)
        raise RuntimeError("%s not ready (scraped) within %ds" % (self.name, timeout))

    def stop(self):
        if self.log.closed:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def rss_mb(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024.0
        except OSError:
            pass
        return 0.0


def open_idle(port, n):
    """n connections that each had one answer and now wait, keep-alive."""
    conns = []
    for _ in range(n):
        c = Conn(port, timeout=30)
        status, _ = c.get("/-/ready")
        if status != 200:
            raise RuntimeError("idle connection: /-/ready answered %d" % status)
        conns.append(c)
    return conns


def count_open(conns):
    """Connections not closed by the server (EOF or reset on a peek)."""
    n = 0
    for c in conns:
        c.sock.setblocking(False)
        try:
            data = c.sock.recv(1, socket.MSG_PEEK)
            if data:
                n += 1  # unexpected bytes, but open
        except BlockingIOError:
            n += 1
        except OSError:
            pass
        finally:
            c.sock.setblocking(True)
    return n


def run_phase(port, clients, duration, pipeline):
    """Returns (latencies in seconds, errors, elapsed seconds)."""
    lat = []
    errors = []
    start_evt = threading.Event()
    stop_at = [0.0]

    def client(k):
        mine = []
        i = k
        conn = None
        start_evt.wait()
        while time.time() < stop_at[0]:
            try:
                if conn is None:
                    conn = Conn(port, timeout=30)
                now = time.time()
                if pipeline <= 1:
                    t0 = time.perf_counter()
                    status, _ = conn.get(target_for(i, now))
                    mine.append(time.perf_counter() - t0)
                    if status != 200:
                        errors.append("status %d" % status)
                    i += 1
                else:
                    batch = b"".join(request_bytes(port, target_for(i + j, now))
                                     for j in range(pipeline))
                    i += pipeline
                    t0 = time.perf_counter()
                    conn.sock.sendall(batch)
                    for _ in range(pipeline):
                        status, _ = conn.read_response()
                        mine.append(time.perf_counter() - t0)
                        if status != 200:
                            errors.append("status %d" % status)
            except (OSError, ValueError, IndexError) as e:
                errors.append("%s: %s" % (type(e).__name__, e))
                if conn is not None:
                    conn.close()
                conn = None
        if conn is not None:
            conn.close()
        lat.extend(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    t_start = time.time()
    stop_at[0] = t_start + duration
    start_evt.set()
    for t in threads:
        t.join()
    return lat, errors, time.time() - t_start


def percentile(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    k = min(len(sorted_vals) - 1, max(0, int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def scrape_check(port, t0, t1, interval=1.0):
    """Raw samples of up{job="self"} between t0 and t1: count and largest gap."""
    window = max(1, int(t1 - t0))
    status, body = http_get(port, "/api/v1/query?" + urllib.parse.urlencode(
        {"query": 'up{job="self"}[%ds]' % window, "time": "%.3f" % t1}), timeout=30)
    if status != 200:
        raise RuntimeError("scrape check query answered %d: %s" % (status, body[:200]))
    result = json.loads(body)["data"]["result"]
    ts = sorted(float(v[0]) for v in result[0]["values"]) if result else []
    gaps = [b - a for a, b in zip(ts, ts[1:])]
    # Edges: the first sample after t0 and the last before t1 count as gaps too.
    edges = [ts[0] - (t1 - window), t1 - ts[-1]] if ts else [float(window)]
    return {
        "window_s": window,
        "samples": len(ts),
        "expected": int(window / interval),
        "max_gap_s": round(max(gaps + edges), 3),
        "down": sum(1 for v in (result[0]["values"] if result else []) if v[1] != "1"),
    }


def bench_server(name, binary, args, workdir):
    srv = Server(name, binary, workdir, args.max_connections)
    rows = []
    try:
        srv.wait_ready()
        time.sleep(2)  # a few more scrapes before the window starts
        idle = open_idle(srv.port, args.idle)
        t_load0 = time.time()
        phases = [("keep-alive", 1, args.duration)]
        if args.pipelined_duration > 0:
            phases.append(("pipelined x%d" % args.pipeline, args.pipeline,
                           args.pipelined_duration))
        for phase, depth, dur in phases:
            lat, errors, elapsed = run_phase(srv.port, args.clients, dur, depth)
            lat.sort()
            rows.append({
                "server": name, "phase": phase, "clients": args.clients,
                "requests": len(lat), "errors": len(errors),
                "first_errors": sorted(set(errors))[:3],
                "rps": round(len(lat) / elapsed, 1),
                "p50_ms": round(percentile(lat, 50) * 1e3, 2),
                "p99_ms": round(percentile(lat, 99) * 1e3, 2),
                "max_ms": round(lat[-1] * 1e3, 1) if lat else float("nan"),
            })
        t_load1 = time.time()
        still_open = count_open(idle)
        time.sleep(1.5)  # let the last scrape of the window land
        check = scrape_check(srv.port, t_load0, t_load1)
        for c in idle:
            c.close()
        for r in rows:
            r.update({"idle_open": "%d/%d" % (still_open, args.idle),
                      "rss_mb": round(srv.rss_mb(), 1)})
        scrape = dict(check, server=name, idle_open=still_open)
        return rows, scrape
    except Exception:
        srv.stop()
        with open(srv.log.name, "rb") as f:
            sys.stderr.write("last lines of %s's log:\n%s\n" % (
                name, b"".join(f.readlines()[-20:]).decode(errors="replace")))
        raise
    finally:
        srv.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--servers", default="vigil,prometheus")
    ap.add_argument("--vigil", default="bazel-bin/examples/server")
    ap.add_argument("--prometheus", default=shutil.which("prometheus") or "/usr/bin/prometheus")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--duration", type=float, default=30)
    ap.add_argument("--pipelined-duration", type=float, default=20)
    ap.add_argument("--pipeline", type=int, default=8)
    ap.add_argument("--max-connections", type=int, default=2048,
                    help="--web.max-connections for both servers (512 by default "
                         "would not admit the idle connections)")
    ap.add_argument("--check", action="store_true",
                    help="exit 1 unless every request was answered 200, every idle "
                         "connection stayed open and the scrape interval held")
    ap.add_argument("--json", help="also write the rows here")
    args = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = args.idle + args.clients + 512
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(need, 4096)), hard))

    workdir = tempfile.mkdtemp(prefix="vigil-http-load-", dir=os.environ.get("TEST_TMPDIR"))
    all_rows, scrapes = [], []
    try:
        for name in [s for s in args.servers.split(",") if s]:
            binary = args.vigil if name == "vigil" else args.prometheus
            if not os.access(binary, os.X_OK):
                print("SKIP %s: %s is not executable" % (name, binary))
                continue
            print("== %s (%s)" % (name, binary), flush=True)
            rows, scrape = bench_server(name, binary, args, workdir)
            all_rows += rows
            scrapes.append(scrape)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print("%d clients, %d idle keep-alive connections, %gs keep-alive + %gs pipelined (x%d)"
          % (args.clients, args.idle, args.duration, args.pipelined_duration, args.pipeline))
    hdr = ("server", "phase", "requests", "errors", "req/s", "p50 ms", "p99 ms", "max ms",
           "idle open", "RSS MB")
    print("| " + " | ".join(hdr) + " |")
    print("|" + "---|" * len(hdr))
    for r in all_rows:
        print("| %s | %s | %d | %d | %.0f | %.2f | %.2f | %.1f | %s | %.0f |" % (
            r["server"], r["phase"], r["requests"], r["errors"], r["rps"], r["p50_ms"],
            r["p99_ms"], r["max_ms"], r["idle_open"], r["rss_mb"]))
    print()
    print("scrape interval 1s during the load (raw samples of up{job=\"self\"}):")
    print("| server | window s | samples | expected | max gap s | down |")
    print("|---|---|---|---|---|---|")
    for s in scrapes:
        print("| %s | %d | %d | %d | %.3f | %d |" % (s["server"], s["window_s"], s["samples"],
                                                   s["expected"], s["max_gap_s"], s["down"]))
    for r in all_rows:
        if r["first_errors"]:
            print("%s %s errors: %s" % (r["server"], r["phase"], "; ".join(r["first_errors"])))
    for r in all_rows + scrapes:
        print("JSON " + json.dumps(r))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rows": all_rows, "scrape": scrapes}, f, indent=1)

    if args.check:
        ok = bool(all_rows)
        for r in all_rows:
            if r["errors"] or r["requests"] == 0:
                print("FAIL: %s %s: %d errors" % (r["server"], r["phase"], r["errors"]))
                ok = False
        for s in scrapes:
            if s["idle_open"] != args.idle:
                print("FAIL: %s closed %d idle connections" % (s["server"],
                                                               args.idle - s["idle_open"]))
                ok = False
            if s["samples"] < 0.9 * s["expected"] or s["max_gap_s"] > 2.5 or s["down"]:
                print("FAIL: %s scrape interval did not hold: %s" % (s["server"], s))
                ok = False
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
