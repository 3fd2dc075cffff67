"""deploy/nginx/liaison.conf, filled in as the README says, run by Debian's nginx in front of
gunicorn with DEBUG off: pages, uploads and static files as a deployed site serves them.

One site for the module: a SQLite file migrated, collectstatic run and the seed article
loaded (its featured image made through the upload pipeline), each by manage.py in a
subprocess, as an operator would. nginx must be installed (.ci/run installs it): a missing
nginx fails here, it never skips.
"""

import gzip
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.config.served_site import comment_form, manage, prepare

BASE_DIR = Path(__file__).resolve().parents[2]
TEMPLATE = BASE_DIR / "deploy" / "nginx" / "liaison.conf"
NGINX = os.environ.get("NGINX_PATH", "/usr/sbin/nginx")
STARTUP_SECONDS = 30
REQUEST_SECONDS = 15
CLIENT_ADDRESS = "203.0.113.7"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, process, log):
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"exited with {process.returncode}:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nothing listened on {port} within {STARTUP_SECONDS} s:\n{log.read_text()}")


def fill_template(**values):
    """envsubst with the template's own ${LIAISON_…} names, as the README does it."""
    names = sorted(set(re.findall(r"\$\{LIAISON_[A-Z_]+\}", TEMPLATE.read_text())))
    result = subprocess.run(
        ["envsubst", " ".join(names)],
        input=TEMPLATE.read_text(),
        env={"PATH": os.environ["PATH"], **values},
        capture_output=True,
        text=True,
        check=True,
        timeout=REQUEST_SECONDS,
    )
    return result.stdout


def nginx_main_conf(tmp, site_conf):
    """The http block a Debian nginx.conf provides, with every path in the test's folder."""
    # As root, workers would drop to `nobody`, who cannot read pytest's private tmp folder.
    user = f"user {os.environ.get('USER', 'root')};" if os.geteuid() == 0 else ""
    return f"""{user}
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format forwarded '$remote_addr "$request" $status';
    access_log {tmp}/nginx-access.log forwarded;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {site_conf};
}}
"""


def stop(process):
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    assert shutil.which(NGINX), f"nginx is not installed at {NGINX} (apt-get install nginx)"
    tmp = tmp_path_factory.mktemp("deployed")
    app_port, nginx_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SITE_DOMAIN", "DEBUG", "SERVE_MEDIA"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="deploy-test-" + "k" * 40,
        ALLOWED_HOSTS="127.0.0.1",
        ENV_FILE="",
        VAR_DIR=str(tmp / "var"),
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(tmp / "media"),
        TRUSTED_PROXY_COUNT="1",
        LOG_LEVEL="WARNING",
    )
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "load_seed")

    app_log = tmp / "gunicorn-access.log"
    site_conf = tmp / "liaison.conf"
    site_conf.write_text(
        fill_template(
            LIAISON_SERVER_NAME="127.0.0.1",
            LIAISON_LISTEN=f"127.0.0.1:{nginx_port}",
            LIAISON_UPSTREAM=f"127.0.0.1:{app_port}",
            LIAISON_STATIC_ROOT=env["STATIC_ROOT"],
            LIAISON_MEDIA_ROOT=env["MEDIA_ROOT"],
            LIAISON_CACHE_DIR=str(tmp / "page-cache"),
        )
    )
    main_conf = tmp / "nginx.conf"
    main_conf.write_text(nginx_main_conf(tmp, site_conf))

    gunicorn = nginx = None
    app_output, nginx_output = tmp / "gunicorn.out", tmp / "nginx.out"
    try:
        with app_output.open("w") as out:
            gunicorn = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{app_port}",
                    "--workers",
                    "1",
                    "--access-logfile",
                    str(app_log),
                    # What reached the app from nginx: the headers it set.
                    "--access-logformat",
                    '"%(r)s" %(s)s host=%({host}i)s xff=%({x-forwarded-for}i)s '
                    "proto=%({x-forwarded-proto}i)s",
                ],
                cwd=BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(app_port, gunicorn, app_output)
        with nginx_output.open("w") as out:
            nginx = subprocess.Popen(
                [NGINX, "-p", str(tmp), "-c", str(main_conf)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        wait_for_port(nginx_port, nginx, nginx_output)
        yield {
            "port": nginx_port,
            "app_log": app_log,
            "media_root": Path(env["MEDIA_ROOT"]),
            "env": env,
        }
    finally:
        stop(nginx)
        stop(gunicorn)


def get(site, path, **headers):
    connection = http.client.HTTPConnection("127.0.0.1", site["port"], timeout=REQUEST_SECONDS)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


class ImageSources(HTMLParser):
    """Every URL an <img> or <source> of the page asks for: src and each srcset candidate."""

    def __init__(self):
        super().__init__()
        self.urls = set()
        self.stylesheets = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in {"img", "source"}:
            if attrs.get("src"):
                self.urls.add(attrs["src"])
            for candidate in (attrs.get("srcset") or "").split(","):
                if candidate.strip():
                    self.urls.add(candidate.split()[0])
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.stylesheets.append(attrs["href"])


def article_page(site):
    status, _, body = get(site, "/")
    links = re.findall(r'href="(/\d{4}/\d{2}/\d{2}/[^"/]+/)"', body.decode())
    assert status == 200
    assert links, "the home page links no article"
    status, _, body = get(site, links[0])
    assert status == 200
    parser = ImageSources()
    parser.feed(body.decode())
    return parser


def app_log_line(site, request_line):
    """The gunicorn access log's line for a request, once written (after the response)."""
    deadline = time.monotonic() + REQUEST_SECONDS
    while time.monotonic() < deadline:
        for line in site["app_log"].read_text().splitlines():
            if f'"{request_line} ' in line:
                return line
        time.sleep(0.05)
    pytest.fail(f"gunicorn logged no {request_line!r}:\n{site['app_log'].read_text()}")


def test_every_image_of_the_article_page_is_served(site):
    sources = article_page(site)

    assert any("/media/images/renditions/" in url for url in sources.urls)
    for url in sorted(sources.urls):
        status, headers, body = get(site, url)
        assert (status, headers["Content-Type"].split("/")[0]) == (200, "image"), url
        assert body


def test_uploads_are_cached_for_a_day(site):
    upload = next(url for url in article_page(site).urls if url.startswith("/media/"))

    status, headers, _ = get(site, upload)

    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=86400"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_the_media_folder_is_never_listed(site):
    status, _, _ = get(site, "/media/images/")

    assert status in {403, 404}


def test_hashed_static_files_are_cached_for_a_year_as_immutable(site):
    stylesheet = article_page(site).stylesheets[0]

    status, headers, _ = get(site, stylesheet)

    assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet)
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_html_is_gzipped_for_a_client_that_accepts_it(site):
    status, headers, body = get(site, "/", **{"Accept-Encoding": "gzip"})

    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert b"</html>" in gzip.decompress(body)


def test_the_app_receives_the_host_the_client_address_and_the_scheme(site):
    status, _, _ = get(site, "/healthz?forwarded", **{"X-Forwarded-For": CLIENT_ADDRESS})

    line = app_log_line(site, "GET /healthz?forwarded")
    assert status == 200
    # The client's own address is last, after whatever it claimed: TRUSTED_PROXY_COUNT=1
    # makes Django take that one.
    assert f"xff={CLIENT_ADDRESS}, 127.0.0.1 " in line
    assert f"host=127.0.0.1:{site['port']} " in line
    assert line.endswith("proto=http")
    # What Django then takes from that header, for a posted comment's address and the
    # flood rule, is tests/config/test_trusted_proxies.py's business.


def test_pages_for_readers_not_logged_in_are_served_from_nginx_s_cache(site):
    path = "/archive/"
    get(site, path)

    status, headers, _ = get(site, path)

    assert status == 200
    assert headers["X-Cache-Status"] == "HIT"


def test_a_reader_with_a_session_is_never_served_from_nginx_s_cache(site):
    get(site, "/archive/")

    status, headers, _ = get(site, "/archive/", Cookie="sessionid=someone")

    assert status == 200
    assert headers["X-Cache-Status"] == "BYPASS"


def test_a_comment_posted_through_nginx_records_the_address_nginx_saw(site):
    """With TRUSTED_PROXY_COUNT=1 the app takes the address nginx appends, never one the
    client wrote: the flood rule, the queue's IP column and the rate limits see it."""
    served = prepare(site["env"], readers=1, threads=0)
    session = f"sessionid={served['sessions'][0]}"
    status, headers, body = get(site, served["article_url"], Cookie=session)
    assert status == 200
    csrf = next(
        value.split(";", 1)[0]
        for value in headers.get_all("Set-Cookie")
        if value.startswith("csrftoken=")
    )
    action, fields = comment_form(body.decode())
    text = "Posted through nginx."

    connection = http.client.HTTPConnection("127.0.0.1", site["port"], timeout=REQUEST_SECONDS)
    try:
        connection.request(
            "POST",
            action,
            body=urlencode({**fields, "comment": text}),
            headers={
                "Cookie": f"{session}; {csrf}",
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Forwarded-For": CLIENT_ADDRESS,
            },
        )
        assert connection.getresponse().status == 302
    finally:
        connection.close()

    stored = manage(
        site["env"],
        "shell",
        "-c",
        "from comments.models import Comment; "
        f"print(Comment.objects.get(comment={text!r}).ip_address)",
    )
    assert stored.strip().splitlines()[-1] == "127.0.0.1"
