"""The load generator: wrk when it is installed, else a Python client with keep-alive.

Both hold `connections` connections open for `duration` seconds, each sending its next
request as soon as the previous answer arrives, and report requests a second, the 50th
and 99th latency percentiles and the errors (connection errors, timeouts, HTTP 4xx/5xx).
"""

import http.client
import os
import re
import shutil
import statistics
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

POST_SCRIPT = Path(__file__).resolve().parent / "post.lua"
# wrk's default of 2 s would count slow pages (all 1,000 comments under load) as errors.
WRK_TIMEOUT = "30s"


@dataclass
class LoadResult:
    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    error_detail: str = ""


def wrk_path():
    """wrk unless BENCH_LOADGEN=python asks for the Python client."""
    if os.environ.get("BENCH_LOADGEN", "").lower() == "python":
        return None
    return shutil.which("wrk")


def describe(threads, connections, duration):
    if wrk_path():
        return (
            f"wrk ({wrk_path()}): -t{threads} -c{connections} -d{duration}s "
            f"--timeout {WRK_TIMEOUT} --latency"
        )
    return (
        f"Python client (bench/load.py; no wrk, or BENCH_LOADGEN=python): {connections} "
        f"threads, one keep-alive connection each, {duration}s"
    )


def run_load(url, *, threads, connections, duration, headers=None, post_forms=None):
    """Load `url` with GETs, or, given `post_forms` ([(path, urlencoded fields)]), with POSTs
    of each form in turn to its path on `url`'s server, each with a comment text of its own."""
    headers = dict(headers or {})
    if wrk_path():
        return run_wrk(url, threads, connections, duration, headers, post_forms)
    return run_python(url, connections, duration, headers, post_forms)


# wrk ---------------------------------------------------------------------------------


def run_wrk(url, threads, connections, duration, headers, post_forms):
    command = [
        wrk_path(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        WRK_TIMEOUT,
        "--latency",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    env = dict(os.environ)
    if post_forms:
        command += ["-s", str(POST_SCRIPT)]
        # One form a line: its path, a space, its fields (urlencoded: no space, no newline).
        env["BENCH_POST_FORMS"] = "\n".join(f"{path} {body}" for path, body in post_forms)
    command.append(url)
    output = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    return parse_wrk(output)


def parse_wrk(output):
    def duration_ms(text):
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    percentiles = dict(re.findall(r"^\s+(50|99)\.?0*%\s+(\S+)", output, re.M))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    http_errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    details = []
    errors = 0
    if socket:
        names = ("connect", "read", "write", "timeout")
        for name, count in zip(names, map(int, socket.groups()), strict=True):
            if count:
                details.append(f"{count} {name}")
                errors += count
    if http_errors:
        count = int(http_errors.group(1))
        details.append(f"{count} HTTP ≥400")
        errors += count
    return LoadResult(
        requests=requests,
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=duration_ms(percentiles["50"]) if "50" in percentiles else float("nan"),
        p99_ms=duration_ms(percentiles["99"]) if "99" in percentiles else float("nan"),
        errors=errors,
        error_detail=", ".join(details),
    )


# The Python client --------------------------------------------------------------------


def run_python(url, connections, duration, headers, post_forms):
    match = re.fullmatch(r"http://([^/:]+):(\d+)(/.*)", url)
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    deadline = time.monotonic() + duration
    latencies, failures = [], []
    lock = threading.Lock()

    def connection_loop(number):
        connection = http.client.HTTPConnection(host, port, timeout=30)
        mine, failed, sent = [], [], 0
        while time.monotonic() < deadline:
            sent += 1
            if not post_forms:
                method, target, body, sent_headers = "GET", path, None, headers
            else:
                method = "POST"
                target, fields = post_forms[(number + sent) % len(post_forms)]
                body = f"{fields}&comment=Bench+comment+{number}-{sent}".encode()
                sent_headers = {
                    **headers,
                    "Content-Type": "application/x-www-form-urlencoded",
                }
            began = time.perf_counter()
            try:
                connection.request(method, target, body=body, headers=sent_headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                failed.append(type(error).__name__)
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=30)
                continue
            mine.append((time.perf_counter() - began) * 1000)
            if response.status >= 400:
                failed.append(f"HTTP {response.status}")
        connection.close()
        with lock:
            latencies.extend(mine)
            failures.extend(failed)

    started = time.monotonic()
    workers = [threading.Thread(target=connection_loop, args=(n,)) for n in range(connections)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.monotonic() - started
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    detail = {}
    for failure in failures:
        detail[failure] = detail.get(failure, 0) + 1
    return LoadResult(
        requests=len(latencies),
        requests_per_second=len(latencies) / elapsed,
        p50_ms=quantiles[49],
        p99_ms=quantiles[98],
        errors=len(failures),
        error_detail=", ".join(f"{count} {name}" for name, count in detail.items()),
    )
