"""make bench's load generators (bench/load.py): wrk's report read, and the Python client
against a stdlib server. Nothing here measures time."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.load import parse_wrk, run_python

WRK_REPORT = """\
Running 10s test @ http://127.0.0.1:8000/
  2 threads and 200 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20s   300.00ms   2.00s    70.00%
    Req/Sec    10.00      5.00    20.00     60.00%
  Latency Distribution
     50%  850.50ms
     75%    1.10s
     90%    1.50s
     99%    1.95s
  1234 requests in 10.01s, 220.00MB read
  Socket errors: connect 0, read 12, write 0, timeout 3
  Non-2xx or 3xx responses: 5
Requests/sec:    123.28
Transfer/sec:     21.98MB
"""


def test_wrk_report_gives_rate_percentiles_and_every_kind_of_error():
    result = parse_wrk(WRK_REPORT)

    assert result.requests == 1234
    assert result.requests_per_second == pytest.approx(123.28)
    assert result.p50_ms == pytest.approx(850.5)
    assert result.p99_ms == pytest.approx(1950)
    assert result.errors == 20
    assert result.error_detail == "12 read, 3 timeout, 5 HTTP ≥400"


def test_a_clean_report_has_no_errors_and_microsecond_latencies_in_ms():
    clean = WRK_REPORT.replace("     50%  850.50ms", "     50%  412.00us")
    clean = clean.replace("  Socket errors: connect 0, read 12, write 0, timeout 3\n", "")
    clean = clean.replace("  Non-2xx or 3xx responses: 5\n", "")

    result = parse_wrk(clean)

    assert result.p50_ms == pytest.approx(0.412)
    assert (result.errors, result.error_detail) == (0, "")


@pytest.fixture
def local_server():
    """A stdlib HTTP server on a free loopback port: 200 for GET /, 404 elsewhere, and the
    bodies of the POSTs it received (`received.paths`: where each went)."""

    class Received(list):
        paths = []

    received = Received()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the load generator expects

        def do_GET(self):
            self.answer(200 if self.path == "/" else 404)

        def do_POST(self):
            received.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
            received.paths.append(self.path)
            self.answer(302)

        def answer(self, status):
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


def test_the_python_client_counts_answers_and_http_errors(local_server):
    base, _ = local_server

    answered = run_python(f"{base}/", 2, 0.3, {}, None)
    refused = run_python(f"{base}/missing", 2, 0.3, {}, None)

    assert answered.requests > 0
    assert answered.errors == 0
    assert refused.errors == refused.requests > 0
    assert refused.error_detail == f"{refused.requests} HTTP 404"


def test_the_python_client_posts_the_form_with_a_new_comment_each_time(local_server):
    base, received = local_server

    run_python(f"{base}/", 1, 0.3, {}, [("/comments/post/4/", "timestamp=1&security_hash=abc")])

    assert len(received) > 1
    assert all(body.startswith("timestamp=1&security_hash=abc&comment=") for body in received)
    assert len(set(received)) == len(received)


def test_the_python_client_posts_each_form_in_turn_to_its_own_path(local_server):
    base, received = local_server
    forms = [("/comments/post/4/", "timestamp=1"), ("/comments/post/5/", "timestamp=2")]

    run_python(f"{base}/", 1, 0.3, {}, forms)

    posted = {
        (path, body.split("&")[0]) for path, body in zip(received.paths, received, strict=True)
    }
    assert posted == {("/comments/post/4/", "timestamp=1"), ("/comments/post/5/", "timestamp=2")}
