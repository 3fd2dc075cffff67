"""`make bench`: the article page, home, a static file and a comment POST under load.

    .venv/bin/python -m bench.run

1. A throwaway database: a SQLite file in a temporary folder, or, when DATABASE_URL names
   a PostgreSQL database, a database beside it named `<name>_bench` (created, then
   dropped). `migrate`, `load_seed`, then bench/seed.py: the seed article with 200
   comments, copies with 0 and 1,000, 24 with 250 to post to in turn, a logged-in reader.
2. `collectstatic` into the temporary folder; gunicorn with the committed gunicorn.conf.py
   and production settings (DEBUG off) on a free loopback port.
3. Each row: one request for its size (and its DOM elements), a warm-up, then the load
   (wrk, or a Python client when wrk is missing); queries are counted once per row beforehand,
   in this process, against the same database: a GET through config.wsgi.application, as
   gunicorn calls it, a POST with Django's test client.
4. One table, and the gunicorn workers' memory after the run.

Environment (all optional):
- BENCH_DURATION (seconds a row is loaded: 10; 3 for a quick run), BENCH_WARMUP (2),
  BENCH_THREADS (2), BENCH_CONNECTIONS (16);
- BENCH_QUIET_MAX: how long a row waits, at most, for the rest of the machine to use under
  a quarter of a core (60 s);
- BENCH_ONLY: words separated by ";"; only the rows whose label holds one run
  (e.g. "200 comments, anonymous, rendered;home, rendered");
- BENCH_LOADGEN=python: the Python client even when wrk is installed;
- BENCH_REDIS_URL: a Redis for the server's cache. REDIS_URL is ignored, so that a run
  never writes its pages into a real site's cache;
- GUNICORN_CMD_ARGS: gunicorn's own, over gunicorn.conf.py (e.g. "--workers 3");
- WORDPRESS=1: also the WordPress peer's own benchmark (../shared/peers/wordpress, or
  WORDPRESS_PEER_DIR), in the same run, with Liaison's anonymous rows as its extra targets.
"""

import contextlib
import gzip
import http.client
import io
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from bench.load import describe, run_load

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

# How a "rendered" row asks for a page built for it rather than one from the anonymous page
# cache: this header, a browser's hard reload (config/page_cache.py renders such a request
# anew). "cached" rows are plain anonymous requests after a warm-up. The one place that
# names the bypass.
RENDER_BYPASS_HEADER = ("Cache-Control", "no-cache")
NGINX = "/usr/sbin/nginx"
NGINX_TEMPLATE = BASE_DIR / "deploy" / "nginx" / "liaison.conf"


def env_number(name, default, kind=int):
    value = os.environ.get(name, "").strip()
    return kind(value) if value else default


@dataclass
class Row:
    label: str
    path: str
    cookies: dict = field(default_factory=dict)
    # POSTs of these forms in turn, [(path, {field: value})], each with a comment text of its
    # own; `path` is then the first form's.
    post_forms: list | None = None
    count_dom: bool = True
    headers: dict = field(default_factory=dict)
    # Another port than gunicorn's: the shipped nginx in front of it, with its cache.
    port: int | None = None
    # Connections for this row rather than BENCH_CONNECTIONS (one poster at a time).
    connections: int | None = None

    def cookie_header(self):
        return cookie_header(self.cookies)

    def paths(self):
        """Every path the row's requests go to: its forms', or its own."""
        return {path for path, _ in self.post_forms} if self.post_forms else {self.path}


@dataclass
class Measured:
    row: Row
    load: object = None
    server_p95_ms: float | None = None
    body_bytes: int | None = None
    gzip_bytes: int | None = None
    queries: int | None = None
    dom_elements: int | None = None
    other_cpu_percent: float | None = None


# HTML ---------------------------------------------------------------------------------


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.count = 0
        self.stylesheets = []
        self.forms = []  # [(action, {name: value})]
        self._form = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        self.count += 1
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split():
            self.stylesheets.append(attrs.get("href", ""))
        elif tag == "form":
            self._form = {}
            self.forms.append((attrs.get("action") or "", self._form))
        elif self._form is not None and tag == "input" and attrs.get("name"):
            if attrs.get("type") not in {"checkbox", "radio", "submit"} or "checked" in attrs:
                self._form[attrs["name"]] = attrs.get("value") or ""
        elif self._form is not None and tag == "textarea" and attrs.get("name"):
            self._textarea = attrs["name"]
            self._form[self._textarea] = ""

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self._textarea:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None


def parse_html(html):
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser


def comment_form(html):
    """The Leave a Reply form's action and fields, without the comment text."""
    for action, fields in parse_html(html).forms:
        if "/comments/post/" in action:
            fields.pop("comment", None)
            return action, fields
    raise RuntimeError("the article page has no Leave a Reply form for the reader")


# HTTP probes --------------------------------------------------------------------------


def fetch(port, path, cookie_header="", accept_gzip=False, extra_headers=None):
    """(status, headers, raw body) of one GET, nothing decompressed."""
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    headers = dict(extra_headers or {})
    if cookie_header:
        headers["Cookie"] = cookie_header
    if accept_gzip:
        headers["Accept-Encoding"] = "gzip"
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, response.headers, body


def cookie_header(cookies):
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def cookies_set(headers):
    found = {}
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def free_port():
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


# The database -------------------------------------------------------------------------


@contextlib.contextmanager
def throwaway_database(workdir):
    """A DATABASE_URL for the run; a PostgreSQL database is dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{workdir / 'bench.sqlite3'}", "SQLite"
        return
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_bench"
    admin_url = parts._replace(path="/postgres").geturl()

    def drop():
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )

    drop()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield parts._replace(path=f"/{name}").geturl(), f"PostgreSQL (database {name})"
    finally:
        drop()


# nginx --------------------------------------------------------------------------------


@contextlib.contextmanager
def nginx_in_front(app_port, workdir):
    """The shipped nginx server block (deploy/nginx/liaison.conf) in front of gunicorn, with
    its page cache; its port, or None when nginx is not installed."""
    if not Path(NGINX).exists():
        yield None
        return
    port = free_port()
    values = {
        "LIAISON_SERVER_NAME": HOST,
        "LIAISON_LISTEN": f"{HOST}:{port}",
        "LIAISON_UPSTREAM": f"{HOST}:{app_port}",
        "LIAISON_STATIC_ROOT": os.environ["STATIC_ROOT"],
        "LIAISON_MEDIA_ROOT": os.environ["MEDIA_ROOT"],
        "LIAISON_CACHE_DIR": str(workdir / "nginx-cache"),
    }
    site_conf = NGINX_TEMPLATE.read_text()
    for name, value in values.items():
        site_conf = site_conf.replace("${" + name + "}", value)
    (workdir / "nginx-site.conf").write_text(site_conf)
    user = "user root;" if os.geteuid() == 0 else ""
    (workdir / "nginx.conf").write_text(
        f"""{user}
worker_processes auto;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {workdir}/client_body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {workdir}/nginx-site.conf;
}}
"""
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(workdir), "-c", str(workdir / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                fetch(port, "/healthz")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("nginx did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# gunicorn -----------------------------------------------------------------------------


@contextlib.contextmanager
def gunicorn(port, workdir):
    log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115 -- closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"],
        cwd=BASE_DIR,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if fetch(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"gunicorn did not start:\n{(workdir / 'gunicorn.log').read_text()}"
                )
            time.sleep(0.2)
        # One worker answers as soon as it is forked: the others follow within moments.
        workers = []
        while time.monotonic() < deadline:
            time.sleep(0.5)
            workers, previous = worker_pids(process.pid), workers
            if workers and len(workers) == len(previous):
                break
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def worker_pids(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    if children.exists():
        return [int(pid) for pid in children.read_text().split()]
    return []


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _stat_fields(pid):
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def server_ticks(master_pid):
    """CPU ticks used by gunicorn: the master, with the workers it has reaped (a worker
    replaced after max_requests hands its time to the master's cutime), and the live ones."""
    total = 0
    with contextlib.suppress(OSError):
        fields = _stat_fields(master_pid)
        total += sum(int(value) for value in fields[11:15])
    for pid in worker_pids(master_pid):
        with contextlib.suppress(OSError):
            fields = _stat_fields(pid)
            total += int(fields[11]) + int(fields[12])
    return total


def busy_ticks():
    """(busy, total) clock ticks of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values[:8]) - idle, sum(values[:8])


def wait_idle(master_pid, timeout=120):
    """Until gunicorn's workers stop using CPU: requests a load generator left queued when
    it stopped are still served, and must not run into the next row's measurement."""
    deadline = time.monotonic() + timeout
    previous, quiet = None, 0
    while time.monotonic() < deadline and quiet < 2:
        ticks = server_ticks(master_pid)
        quiet = quiet + 1 if ticks == previous else 0
        previous = ticks
        time.sleep(0.3)


def other_cpu_percent(busy_before, total_before, ours_before, master_pid):
    """What everything but gunicorn, the load generator and this process used since the
    `before` readings, in % of one core."""
    busy_after, total_after = busy_ticks()
    ours = server_ticks(master_pid) + own_ticks() - ours_before
    other = (busy_after - busy_before - ours) / max(total_after - total_before, 1)
    return max(other, 0) * (os.cpu_count() or 1) * 100


def wait_quiet(master_pid, threshold=25, longest=None):
    """Until the rest of the machine uses under `threshold` % of a core (at most
    BENCH_QUIET_MAX seconds, 60): a row measured while another job runs says little."""
    longest = env_number("BENCH_QUIET_MAX", 60) if longest is None else longest
    deadline = time.monotonic() + longest
    while True:
        busy, total = busy_ticks()
        ours = server_ticks(master_pid) + own_ticks()
        time.sleep(1)
        other = other_cpu_percent(busy, total, ours, master_pid)
        if other < threshold or time.monotonic() > deadline:
            return other


def access_log_times(log_path, offset, paths):
    """Server-side times (ms) of the requests for any of `paths` logged after `offset`."""
    times = []
    with open(log_path) as log:
        log.seek(offset)
        for line in log:
            match = re.search(r'"[A-Z]+ (\S+) HTTP/[\d.]+" \d+ .* ([\d.]+)$', line.rstrip())
            if match and match.group(1) in paths:
                times.append(float(match.group(2)) * 1000)
    return times


def p95(values):
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=20)[18]


# The run ------------------------------------------------------------------------------


def configure(workdir, database_url, port):
    """Production settings for this process and for gunicorn, which inherits them."""
    for name in ("REDIS_URL", "DJANGO_SETTINGS_MODULE"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "ENV_FILE": "",  # a developer's .env (DEBUG=1) must not apply
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": HOST,
            "SITE_DOMAIN": f"{HOST}:{port}",
            "DATABASE_URL": database_url,
            "VAR_DIR": str(workdir / "var"),
            "MEDIA_ROOT": str(workdir / "media"),
            "STATIC_ROOT": str(workdir / "static"),
            # Nobody follows the seeded articles, but no email may leave a benchmark.
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
            "GUNICORN_BIND": f"{HOST}:{port}",
            "GUNICORN_ACCESSLOG": str(workdir / "access.log"),
        }
    )
    if os.environ.get("BENCH_REDIS_URL"):
        os.environ["REDIS_URL"] = os.environ["BENCH_REDIS_URL"]


def prepare_site():
    """migrate, load_seed, collectstatic, then the bench's articles, rules and reader."""
    import django

    django.setup()
    from django.core.management import call_command

    from bench.seed import seed_site
    from blog.models import Article

    quiet = io.StringIO()
    call_command("migrate", interactive=False, verbosity=0, stdout=quiet)
    call_command("load_seed", verbosity=0, stdout=quiet)
    call_command("collectstatic", interactive=False, verbosity=0, stdout=quiet)
    started = time.monotonic()
    site = seed_site(Article.objects.get())
    analyze_as_a_living_site()
    print(f"Seeded in {time.monotonic() - started:.1f} s.", flush=True)
    return site


def analyze_as_a_living_site():
    """PostgreSQL's planner statistics, as autovacuum keeps them on a living site: right
    after the seed's inserts they still describe empty tables, and PostgreSQL planned the
    discussion's listing as a nested loop over every comment of the article for each thread
    (195 ms at 1,000 comments; 3.5 ms once analyzed). SQLite keeps no statistics unless
    asked, on a living site too: nothing to do there."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def rows_for(site, port):
    """The rows, in the order they run. Every GET row's cookies are what a browser sends."""
    bypass = dict([RENDER_BYPASS_HEADER])
    session_name, session_key = site.reader_cookie.split("=", 1)
    reader = {session_name: session_key}
    # The logged-in page sets a CSRF cookie once; a browser sends it back from then on.
    reader.update(cookies_set(fetch(port, site.article_urls[200], site.reader_cookie)[1]))
    rows = []
    for count, path in site.article_urls.items():
        rows += [
            Row(f"article, {count:,} comments, anonymous, rendered", path, headers=dict(bypass)),
            Row(f"article, {count:,} comments, anonymous, cached", path),
            Row(f"article, {count:,} comments, logged in", path, dict(reader)),
        ]
    rows += [Row("home, rendered", "/", headers=dict(bypass)), Row("home, cached", "/")]
    home = fetch(port, "/")[2].decode()
    stylesheet = urlsplit(next(href for href in parse_html(home).stylesheets if href)).path
    rows.append(Row(f"static file ({Path(stylesheet).name})", stylesheet, count_dom=False))
    forms = []
    for url in site.posting_article_urls:
        action, fields = comment_form(fetch(port, url, cookie_header(reader))[2].decode())
        forms.append((urlsplit(action).path, fields))
    # Posted as fast as the load allows (16 at once by default: what the server time then
    # holds is mostly the wait for a core), and one at a time: what a post itself costs.
    # Each row posts to every posting article in turn (bench/seed.py: POSTING_ARTICLES).
    posting = (
        f"logged in, {site.posting_comment_count} comments and up, {len(forms)} articles in turn"
    )
    for label, connections in (
        (f"comment POST ({posting})", None),
        (f"comment POST, one at a time ({posting})", 1),
    ):
        rows.append(
            Row(
                label,
                forms[0][0],
                dict(reader),
                post_forms=forms,
                count_dom=False,
                connections=connections,
            )
        )
    return rows


def count_queries(row, port):
    """The queries one request of `row` runs, steady state (after one request warms up).

    A GET goes through config.wsgi.application, as under gunicorn: the page cache's WSGI
    layer answers a hit before Django's handler (which the test client would enter)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=f"{HOST}:{port}")
    for name, value in row.cookies.items():
        client.cookies[name] = value
    if row.post_forms is None:
        get_through_wsgi(row, port)
        with CaptureQueriesContext(connection) as queries:
            status = get_through_wsgi(row, port)
        expected = {200}
    else:
        # A text of this row's own: the same form sent again with the same text is the
        # same comment, which the second POST row would count as a resend.
        path, fields = row.post_forms[0]
        data = {**fields, "comment": f"Counting the queries of one post: {row.label}."}
        with CaptureQueriesContext(connection) as queries:
            status = client.post(path, data).status_code
        expected = {302}
    if status not in expected:
        raise RuntimeError(f"{row.label}: HTTP {status} from the test client")
    return len(queries)


def comment_counts(article_pks):
    """The approved comments on each of these articles now."""
    from comments.models import Comment

    return [Comment.objects.for_article(pk).public().count() for pk in article_pks]


def get_through_wsgi(row, port):
    """One GET of `row` through the WSGI application gunicorn serves; its status."""
    from django.test import RequestFactory

    from config.wsgi import application

    headers = dict(row.headers)
    if row.cookies:
        headers["Cookie"] = row.cookie_header()
    environ = RequestFactory(HTTP_HOST=f"{HOST}:{port}").get(row.path, headers=headers).environ
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])

    body = application(environ, start_response)
    try:
        b"".join(body)
    finally:
        # Closing a response Django made sends request_finished, as a server does.
        getattr(body, "close", lambda: None)()
    return answer["status"]


def measure(row, port, settings, access_log, master_pid):
    measured = Measured(row)
    measured.queries = count_queries(row, port)
    cookie = row.cookie_header()
    port = row.port or port
    url = f"http://{HOST}:{port}{row.path}"
    headers = {**({"Cookie": cookie} if cookie else {}), **row.headers}
    if row.post_forms is None:
        status, _, body = fetch(port, row.path, cookie, extra_headers=row.headers)
        if status != 200:
            raise RuntimeError(f"{row.label}: HTTP {status}")
        measured.body_bytes = len(body)
        _, gzip_headers, gzip_body = fetch(
            port, row.path, cookie, accept_gzip=True, extra_headers=row.headers
        )
        if gzip_headers.get("Content-Encoding") == "gzip":
            measured.gzip_bytes = len(gzip_body)
            assert len(gzip.decompress(gzip_body)) == len(body)
        if row.count_dom:
            measured.dom_elements = parse_html(body.decode()).count
        post_forms = None
    else:
        post_forms = [(path, urlencode(fields)) for path, fields in row.post_forms]
    connections = row.connections or settings["connections"]
    load = {
        "threads": min(settings["threads"], connections),
        "connections": connections,
        "headers": headers,
        "post_forms": post_forms,
    }
    if settings["warmup"]:
        run_load(url, duration=settings["warmup"], **load)
        wait_idle(master_pid)
    offset = Path(access_log).stat().st_size
    wait_quiet(master_pid)
    busy, total = busy_ticks()
    ours = server_ticks(master_pid) + own_ticks()
    measured.load = run_load(url, duration=settings["duration"], **load)
    measured.other_cpu_percent = other_cpu_percent(busy, total, ours, master_pid)
    wait_idle(master_pid)
    measured.server_p95_ms = p95(access_log_times(access_log, offset, row.paths()))
    return measured


def own_ticks():
    """CPU ticks of this process and its finished children (wrk), from os.times()."""
    times = os.times()
    used = times.user + times.system + times.children_user + times.children_system
    return round(used * os.sysconf("SC_CLK_TCK"))


def number(value, digits=0, unit=""):
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{unit}"


def table(results):
    lines = [
        "| row | req/s | p50 ms | p99 ms | server p95 ms | errors | bytes | gzip bytes "
        "| queries | DOM elements | other CPU % |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        load = result.load
        answered = load.requests > 0
        lines.append(
            f"| {result.row.label} | {number(load.requests_per_second, 1)} "
            f"| {number(load.p50_ms if answered else None, 1)} "
            f"| {number(load.p99_ms if answered else None, 1)} "
            f"| {number(result.server_p95_ms, 1)} "
            f"| {load.errors}{f' ({load.error_detail})' if load.error_detail else ''} "
            f"| {number(result.body_bytes)} "
            f"| {number(result.gzip_bytes) if result.gzip_bytes else 'not compressed'} "
            f"| {number(result.queries)} | {number(result.dom_elements)} "
            f"| {number(result.other_cpu_percent)} |"
        )
    return "\n".join(lines)


def machine():
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cores = f"{os.cpu_count()} cores ({model or platform.machine()})"
    return f"{cores}, Python {platform.python_version()}"


def wordpress_side_by_side(site, port, master_pid, settings, nginx_port=None):
    """The WordPress peer's bench.sh, with Liaison's anonymous GET rows as its extra targets."""
    peer = Path(os.environ.get("WORDPRESS_PEER_DIR") or BASE_DIR.parent / "shared/peers/wordpress")
    if not (peer / "bench.sh").exists():
        print(f"WORDPRESS=1 but no WordPress peer at {peer}: Liaison's rows only.")
        return None
    base = f"http://{HOST}:{port}"
    targets = [f"Liaison article, {n} comments|{base}{p}" for n, p in site.article_urls.items()]
    targets.append(f"Liaison home|{base}/")
    if nginx_port:
        targets.append(
            f"Liaison article, 200 comments, nginx cache|"
            f"http://{HOST}:{nginx_port}{site.article_urls[200]}"
        )
    results = Path(
        os.environ.get("WPB_RESULTS")
        or Path(tempfile.gettempdir()) / f"liaison-bench-wordpress-{time.strftime('%Y%m%d-%H%M%S')}"
    )
    env = {
        **os.environ,
        "DURATION": f"{settings['duration']}s",
        "THREADS": str(settings["threads"]),
        "CONNS": str(settings["connections"]),
        "EXTRA_TARGETS": ";".join(targets),
        "EXTRA_PIDS": str(master_pid),
        "WPB_RESULTS": str(results),
    }
    print(f"\nWordPress peer ({peer}): setup.sh, then bench.sh", flush=True)
    subprocess.run([str(peer / "setup.sh"), "200"], env=env, check=True)
    subprocess.run([str(peer / "bench.sh")], env=env, check=True)
    return (results / "table.md").read_text()


def stop(signum, frame):
    raise SystemExit(128 + signum)


def main():
    # Stopped from outside (even as a background job, where SIGINT is ignored), the run
    # still stops gunicorn and removes its database and files.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    settings = {
        "duration": env_number("BENCH_DURATION", 10),
        "warmup": env_number("BENCH_WARMUP", 2),
        "threads": env_number("BENCH_THREADS", 2),
        "connections": env_number("BENCH_CONNECTIONS", 16),
    }
    only = [word.strip().lower() for word in os.environ.get("BENCH_ONLY", "").split(";")]
    only = [word for word in only if word]
    os.chdir(BASE_DIR)
    sys.path.insert(0, str(BASE_DIR))
    workdir = Path(tempfile.mkdtemp(prefix="liaison-bench-"))
    port = free_port()
    try:
        with throwaway_database(workdir) as (database_url, database):
            configure(workdir, database_url, port)
            print(f"Liaison benchmark on {database}, in {workdir}", flush=True)
            site = prepare_site()
            from django.db import connections

            connections.close_all()
            with gunicorn(port, workdir) as server, contextlib.ExitStack() as stack:
                overrides = os.environ.get("GUNICORN_CMD_ARGS", "")
                print(
                    f"gunicorn -c gunicorn.conf.py{' ' + overrides if overrides else ''}: "
                    f"{len(worker_pids(server.pid))} workers on {HOST}:{port}",
                    flush=True,
                )
                nginx_port = stack.enter_context(nginx_in_front(port, workdir))
                rows = rows_for(site, port)
                if nginx_port:
                    rows.append(
                        Row(
                            "article, 200 comments, behind the shipped nginx with its cache",
                            site.article_urls[200],
                            port=nginx_port,
                        )
                    )
                if only:
                    rows = [row for row in rows if any(w in row.label.lower() for w in only)]
                results = []
                for row in rows:
                    result = measure(row, port, settings, workdir / "access.log", server.pid)
                    connections.close_all()
                    print(
                        f"  {row.label}: {result.load.requests_per_second:,.1f} req/s",
                        flush=True,
                    )
                    results.append(result)
                memory = {pid: rss_mb(pid) for pid in worker_pids(server.pid)}
                wordpress = None
                if os.environ.get("WORDPRESS", "") not in {"", "0"}:
                    wordpress = wordpress_side_by_side(site, port, server.pid, settings, nginx_port)
            print()
            print(f"Liaison, {time.strftime('%Y-%m-%d')}, {machine()}, {database}")
            load = describe(settings["threads"], settings["connections"], settings["duration"])
            print(f"Load: {load}")
            print(table(results))
            print(
                "\nPaging: every discussion on one page (top-level comments per page: 500; "
                "1,000 comments are 200 threads)."
            )
            print(
                f"Rendered rows send {': '.join(RENDER_BYPASS_HEADER)} (past the page cache, "
                "not past the HTML cached under the content version: the article's, the "
                "listing cards', the discussion's listed threads and each thread's); cached "
                "rows are plain "
                "anonymous requests after the warm-up. bytes: one response, "
                "uncompressed; gzip bytes: the same with Accept-Encoding: gzip. server p95: "
                "gunicorn's access log. Queries: one request, a GET through the WSGI "
                "application gunicorn serves, a POST with Django's test client. other CPU: "
                "what the rest of the machine (PostgreSQL included) used during the row, in % "
                f"of one core ({os.cpu_count()} cores = {100 * (os.cpu_count() or 1)} %)."
            )
            if any(result.row.post_forms for result in results):
                posted_counts = comment_counts(site.posting_article_pks)
                print(
                    f"POST rows: {len(posted_counts)} articles of {site.posting_comment_count} "
                    f"comments, posted to in turn, held {min(posted_counts):,} to "
                    f"{max(posted_counts):,} comments after the run."
                )
            print(
                "gunicorn workers' RSS after the run: "
                + ", ".join(f"{mb:.0f} MB" for mb in memory.values())
                + (f" (max {max(memory.values()):.0f} MB)" if memory else "")
            )
            if wordpress:
                print("\nWordPress peer, same run (its rows (x) are Liaison's, anonymous):")
                print(wordpress)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
