"""Bounded load on the face API over loopback, on the embedded default (SQLite, ORM
broker, the offline generator on the CPU): the web server (granian) and one worker cluster,
started by harness.py.

    .venv/bin/python bench/load_api.py [--clients 100] [--requests 10000] [--values 1000] [--generator auto]
    .venv/bin/python bench/load_api.py --checkface [--values 1000]

--checkface is the shape of CheckFace's own load test (`seq 1 10000 | xargs -n1 -P100 curl
.../api/face?value=ac$i`): 100 clients, 10,000 unique values asked once each at the default
size and format, so every first request is a face to draw; the run ends when all are served
(or at --max-seconds). Its target on 2 cores: done in 300 s with no errors, and the
all-cached second pass at p99 under 100 ms.

Clients loop over a shuffled list in which every value appears requests/values times.
Latency is reported by kind of request:

- cold: the first request for a value (the worker renders it; the web waits up to
  SAFEFACE_API_WAIT, then answers 202 and the client asks again after Retry-After);
- cached: a request for a value whose face an earlier answer already served;
- repeat while rendering: asked again before the first answer came back;
- after 202: the client's follow-up requests.

Then a second pass (--second-pass requests, default as many) over the same values, all
cached by then, shows the cached path without renders competing for the CPU.

Errors are answers other than 200/202 and failed connections.

Before the site starts, the generator's own speed is measured: one process drawing faces at
its native size with every core (for MobileStyleGAN, OpenVINO's own choice of threads), the
machine's limit for that model, which the end-to-end unique faces/s is compared with.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import random
import re
import shutil
import subprocess
import statistics
import threading
import time
from collections import defaultdict

from harness import WEB_THREADS, WEB_WORKERS, running_site

PORT = 8766


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))]


RAW_FACES = 12


def _draw(name: str) -> float:
    """Faces/s of the generator alone (in a fresh process, so nothing of the site's is loaded)."""
    from facekit.engines.registry import load_generator

    generator = load_generator(name)
    generator.generate(None, [10_000_000], generator.native_size)
    started = time.perf_counter()
    generator.generate(None, list(range(10_000_001, 10_000_001 + RAW_FACES)), generator.native_size)
    return RAW_FACES / (time.perf_counter() - started)


def raw_faces_per_second(name: str) -> float:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_draw, (name,))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--values", type=int, default=1_000)
    parser.add_argument("--dim", type=int, default=128, help="0: leave it out (the API's default, 300)")
    parser.add_argument("--prefix", default="load-", help="values are PREFIX0, PREFIX1...")
    parser.add_argument("--checkface", action="store_true", help="CheckFace's load test (see above)")
    parser.add_argument("--web-workers", type=int, default=WEB_WORKERS)
    parser.add_argument("--threads", type=int, default=WEB_THREADS)
    parser.add_argument("--second-pass", type=int, default=None, help="requests in the all-cached pass (default: --requests)")
    parser.add_argument("--max-seconds", type=float, default=None, help="stop the clients after this long (600; 1800 with --checkface)")
    parser.add_argument("--generator", default="auto", help="SAFEFACE_GENERATOR for the site (auto: the offline default)")
    args = parser.parse_args()
    if args.checkface:
        values = args.values if args.values != parser.get_default("values") else 10_000
        args.clients, args.requests, args.values, args.dim, args.prefix = 100, values, values, 0, "ac"
    if args.max_seconds is None:
        args.max_seconds = 1800 if args.checkface else 600
    query = f"&dim={args.dim}" if args.dim else ""

    rng = random.Random(7)
    plan: list[str] = []
    plan_lock = threading.Lock()
    latencies = defaultdict(list)
    statuses = defaultdict(int)
    errors = defaultdict(int)
    asked: set[str] = set()
    served: set[str] = set()
    stop_at = time.monotonic() + args.max_seconds

    def record(kind: str, seconds: float, status: int | None):
        with plan_lock:
            latencies[kind].append(seconds)
            statuses[status] += 1
            if status not in (200, 202):
                errors[kind] += 1

    def client(base_host: str, second: bool = False):
        connection = http.client.HTTPConnection(base_host, PORT, timeout=60)
        while time.monotonic() < stop_at:
            with plan_lock:
                if not plan:
                    break
                value = plan.pop()
                kind = "cached" if value in served else "repeat while rendering" if value in asked else "cold"
                kind = "cached, second pass" if second else kind
                asked.add(value)
            url = f"/api/face?value={value}{query}"
            for attempt in range(30):
                started = time.perf_counter()
                status = None
                # A kept-alive connection the server closed while we slept on a 202 fails at
                # once; a browser reconnects and sends again, and so do we (once).
                for _ in range(2):
                    try:
                        connection.request("GET", url)
                        response = connection.getresponse()
                        response.read()
                        status = response.status
                        break
                    except (OSError, http.client.HTTPException):
                        connection.close()
                        connection = http.client.HTTPConnection(base_host, PORT, timeout=60)
                record(kind if attempt == 0 else "after 202", time.perf_counter() - started, status)
                if status != 202:
                    break
                time.sleep(float(response.getheader("Retry-After", "1")))
            if status == 200:
                with plan_lock:
                    served.add(value)
        connection.close()

    raw = raw_faces_per_second(args.generator)
    env = {"SAFEFACE_API_RATE": "1000000/m", "SAFEFACE_API_RENDER_RATE": "1000000/m", "SAFEFACE_GENERATOR": args.generator}
    with running_site(port=PORT, web_workers=args.web_workers, threads=args.threads, **env) as (base, _, data):
        elapsed = {}
        for second, count in ((False, args.requests), (True, args.requests if args.second_pass is None else args.second_pass)):
            plan[:] = ([f"{args.prefix}{i}" for i in range(args.values)] * (count // args.values))
            rng.shuffle(plan)
            threads = [threading.Thread(target=client, args=("127.0.0.1", second)) for _ in range(args.clients)]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed[second] = time.monotonic() - started
            if not second:
                first_served = len(served)
        wrk = wrk_pass(args, data) if shutil.which("wrk") else None
        locked = sum((data / log).read_text(errors="replace").count("database is locked") for log in ("web.log", "worker.log"))

    print(f"{args.clients} clients, {args.requests} /api/face requests over {args.values} values (dim {args.dim or 'default'}), "
          f"granian {args.web_workers}x{args.threads}, one qcluster, embedded default, loopback")
    print("| kind | requests | errors | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    for kind in ("cold", "repeat while rendering", "after 202", "cached", "cached, second pass"):
        values = latencies.get(kind)
        if values:
            print(f"| {kind} | {len(values)} | {errors[kind]} | {statistics.median(values) * 1000:.0f} | {percentile(values, 0.99) * 1000:.0f} |")
    first = [v for kind, values in latencies.items() if kind != "cached, second pass" for v in values]
    print(f"| first pass, all | {len(first)} | {sum(n for k, n in errors.items() if k != 'cached, second pass')} "
          f"| {statistics.median(first) * 1000:.0f} | {percentile(first, 0.99) * 1000:.0f} |")
    second = latencies.get("cached, second pass", [])
    print(f"\nfirst pass: {len(first) / elapsed[False]:.0f} HTTP requests/s over {elapsed[False]:.1f} s; "
          f"second pass: {len(second) / max(elapsed.get(True, 0), 1e-9):.0f} requests/s over {elapsed.get(True, 0):.1f} s")
    print(f"statuses {dict(statuses)}; values never served: {args.values - len(served)}; 'database is locked' in the logs: {locked}")
    print(f"first pass: {first_served} unique faces served in {elapsed[False]:.1f} s = {first_served / elapsed[False]:.1f} unique faces/s"
          + ("" if first_served == args.values else f" (stopped at --max-seconds {args.max_seconds:.0f}: not finished)"))
    print(f"the generator alone ({args.generator}, one process, every core, native size): "
          f"{raw:.2f} faces/s; end to end: {100 * first_served / elapsed[False] / raw:.0f} % of it")
    if wrk:
        print(f"\ncached, wrk ({args.clients} connections, {WRK_SECONDS} s over the same values; a C client leaves the "
              f"2 cores to the server): {wrk['rps']:.0f} requests/s, p50 {wrk['p50']:.0f} ms, p99 {wrk['p99']:.0f} ms, "
              f"{wrk['requests']} requests, non-2xx/3xx {wrk['bad']}, socket errors {wrk['socket_errors']}")


WRK_SECONDS = 15
WRK_SCRIPT = """
local paths, i = {}, 0
for n = 0, %(values)d - 1 do paths[#paths + 1] = "/api/face?value=%(prefix)s" .. n .. "%(query)s" end
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def wrk_pass(args, data) -> dict:
    """The all-cached path again, driven by wrk: Python client threads spend much of
    the CPU a 2-core machine has, and so measure themselves as much as the server."""
    script = data / "paths.lua"
    query = f"&dim={args.dim}" if args.dim else ""
    script.write_text(WRK_SCRIPT % {"values": args.values, "prefix": args.prefix, "query": query})
    out = subprocess.run(["wrk", "-t", "2", "-c", str(args.clients), "-d", f"{WRK_SECONDS}s", "--latency", "-s", str(script),
                          f"http://127.0.0.1:{PORT}"], capture_output=True, text=True)
    if out.returncode:
        print(f"wrk failed ({out.returncode}): {out.stderr.strip() or out.stdout.strip()}")
        return None
    out = out.stdout

    def millis(label: str) -> float:
        value = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        number, unit = float(value.group(1)), value.group(2)
        return number / 1000 if unit == "us" else number * 1000 if unit == "s" else number

    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": millis("50%"), "p99": millis("99%"),
        "bad": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0,
        "socket_errors": sum(map(int, errors.groups())) if errors else 0,
    }

if __name__ == "__main__":
    main()
