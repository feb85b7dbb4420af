#!/usr/bin/env python3
"""Sends the same HTTP API requests to two servers and compares the JSON
answers up to ordering of unordered results and float tolerance.

usage: compare_api.py <base_a> <base_b> <eval_time_seconds>
Prints one line per request and exits 1 if any differ."""
import json
import math
import sys
import urllib.parse
import urllib.request


def get(base, path, params):
    query = urllib.parse.urlencode(params, doseq=True)
    if path.startswith("/api/v1/label/"):
        # Grafana always GETs label values (Prometheus has no POST there).
        req = urllib.request.Request(base + path + "?" + query)
    else:
        # POST form, as Grafana sends queries.
        req = urllib.request.Request(base + path, data=query.encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            body = r.read()
    except urllib.error.HTTPError as e:
        body = e.read()
        try:
            return json.loads(body)
        except ValueError:
            return {"status": "http_%d" % e.code}
    return json.loads(body)


def num(s):
    return float(s)


def close(a, b):
    if math.isnan(a) and math.isnan(b):
        return True
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def canon_metric(m):
    return tuple(sorted(m.items()))


def compare_result(ra, rb):
    """Returns None when equal, else a description."""
    if ra.get("status") != rb.get("status"):
        return "status %s vs %s (%s / %s)" % (ra.get("status"), rb.get("status"),
                                              ra.get("error"), rb.get("error"))
    if ra["status"] != "success":
        if ra.get("errorType") != rb.get("errorType"):
            return "errorType %s vs %s" % (ra.get("errorType"), rb.get("errorType"))
        return None
    da, db = ra["data"], rb["data"]
    if isinstance(da, list):  # series / labels / label values
        key = lambda x: json.dumps(x, sort_keys=True)
        if sorted(da, key=key) != sorted(db, key=key):
            return "data differ: %d vs %d items" % (len(da), len(db))
        return None
    if da["resultType"] != db["resultType"]:
        return "resultType %s vs %s" % (da["resultType"], db["resultType"])
    t = da["resultType"]
    if t in ("scalar", "string"):
        if da["result"][0] != db["result"][0]:
            return "time differs"
        if t == "scalar" and not close(num(da["result"][1]), num(db["result"][1])):
            return "scalar %s vs %s" % (da["result"][1], db["result"][1])
        return None
    ma = {canon_metric(s["metric"]): s for s in da["result"]}
    mb = {canon_metric(s["metric"]): s for s in db["result"]}
    if set(ma) != set(mb):
        only_a = set(ma) - set(mb)
        only_b = set(mb) - set(ma)
        return "series differ: only A %s, only B %s" % (list(only_a)[:2], list(only_b)[:2])
    for k in ma:
        pa = [ma[k]["value"]] if t == "vector" else ma[k]["values"]
        pb = [mb[k]["value"]] if t == "vector" else mb[k]["values"]
        if len(pa) != len(pb):
            return "%s: %d vs %d points" % (k, len(pa), len(pb))
        for (ta, va), (tb, vb) in zip(pa, pb):
            if abs(float(ta) - float(tb)) > 1e-6 or not close(num(va), num(vb)):
                return "%s: [%s,%s] vs [%s,%s]" % (k, ta, va, tb, vb)
    return None


def main():
    a, b, t = sys.argv[1], sys.argv[2], float(sys.argv[3])
    start, end = t - 120, t
    instant = [
        "up",
        "fixture_requests_total",
        "rate(fixture_requests_total[30s])",
        "sum by (code) (rate(fixture_requests_total[30s]))",
        "sum without (method) (increase(fixture_requests_total[1m]))",
        "histogram_quantile(0.9, rate(fixture_latency_seconds_bucket[1m]))",
        "avg_over_time(fixture_temperature[1m])",
        "max_over_time(fixture_temperature[1m]) - min_over_time(fixture_temperature[1m])",
        "count(up) by (job)",
        "topk(2, fixture_requests_total)",
        "fixture_requests_total / ignoring(code) group_left sum without (code) (fixture_requests_total)",
        "scrape_samples_scraped",
        "delta(fixture_temperature[1m])",
        "deriv(fixture_temperature[1m])",
        "absent(nonexistent_metric)",
        "label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\")",
        "vector(1) + on() group_left fixture_temperature",
        "1 + 1",
        "time()",
        "quantile_over_time(0.5, fixture_temperature[1m])",
        "sum(rate(fixture_latency_seconds_sum[1m])) / sum(rate(fixture_latency_seconds_count[1m]))",
        "sum(rate(fixture_requests_total[1m] offset 30s))",
        "changes(fixture_temperature[2m])",
        "resets(fixture_requests_total[2m])",
        "sort_desc(fixture_requests_total)",
        "count_values(\"value\", up)",
        "stddev_over_time(fixture_temperature[1m])",
        "predict_linear(fixture_temperature[1m], 60)",
        "fixture_requests_total > 0",
        "(fixture_requests_total % 7) == bool 0",
    ]
    requests = []
    for q in instant:
        requests.append(("/api/v1/query", {"query": q, "time": "%.3f" % t}))
        requests.append(("/api/v1/query_range",
                         {"query": q, "start": "%.3f" % start, "end": "%.3f" % end, "step": "5"}))
    requests += [
        ("/api/v1/series", {"match[]": ["fixture_requests_total", "up"],
                            "start": "%.3f" % start, "end": "%.3f" % end}),
        ("/api/v1/labels", {"start": "%.3f" % start, "end": "%.3f" % end}),
        ("/api/v1/labels", {"match[]": "fixture_temperature"}),
        ("/api/v1/label/__name__/values", {"start": "%.3f" % start, "end": "%.3f" % end}),
        ("/api/v1/label/code/values", {"match[]": "fixture_requests_total"}),
        ("/api/v1/query", {"query": "sum(rate(", "time": "%.3f" % t}),
        ("/api/v1/query_range", {"query": "up[5m]", "start": "0", "end": "10", "step": "1"}),
    ]
    failed = 0
    for path, params in requests:
        ra, rb = get(a, path, params), get(b, path, params)
        diff = compare_result(ra, rb)
        label = "%s %s" % (path, params.get("query", params.get("match[]", "")))
        if diff is None:
            print("SAME  %s" % label)
        else:
            failed += 1
            print("DIFF  %s: %s" % (label, diff))
    print("%d of %d requests answered the same" % (len(requests) - failed, len(requests)))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
