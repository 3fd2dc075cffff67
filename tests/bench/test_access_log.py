"""make bench reads the server-side time of each request from gunicorn's access log."""

from collections import defaultdict

from django.conf import settings

from bench.run import access_log_times


def test_the_bench_reads_request_times_in_the_committed_log_format(tmp_path):
    lines = [
        _log_line("POST /comments/post/4/ HTTP/1.1", "0.041250"),
        _log_line("GET /healthz HTTP/1.1", "0.002000"),
        _log_line("POST /comments/post/5/ HTTP/1.1", "0.012500"),
        _log_line("POST /comments/post/44/ HTTP/1.1", "0.030000"),
    ]
    log = tmp_path / "access.log"
    log.write_text("".join(f"{line}\n" for line in lines))

    times = access_log_times(log, 0, {"/comments/post/4/", "/comments/post/5/"})

    assert times == [41.25, 12.5]


def _committed_format():
    namespace = {}
    exec((settings.BASE_DIR / "gunicorn.conf.py").read_text(), namespace)
    return namespace["access_log_format"]


def _log_line(request_line, seconds):
    """A line as gunicorn writes it: atoms the format names but we do not give are "-"."""
    atoms = defaultdict(lambda: "-", {"h": "127.0.0.1", "r": request_line, "s": "200"})
    atoms.update({"b": "0", "a": "wrk", "L": seconds, "t": "[02/Dec/2026:01:00:00 +0000]"})
    return _committed_format() % atoms
