"""A copy of the site served by gunicorn on a free loopback port, on a database of its own.

`prepare` migrates that database and fills it in a subprocess (`python -m
tests.config.served_site <readers>`), printing what the test needs as JSON: the article's
address and one logged-in session cookie per reader. `serve` runs gunicorn with several
workers, as production does, and stops it whatever happens.
"""

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 60


def served_environment(database_url, var_dir):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.config.served_settings",
        DATABASE_URL=database_url,
        VAR_DIR=str(var_dir),
        ALLOWED_HOSTS="127.0.0.1",
        SECRET_KEY="served-site-tests-only-4f1d0c5e9b8a",
        ENV_FILE="",
    )
    return env


def run_python(env, *arguments, timeout=300):
    """`python <arguments>` in the project's folder under `env`; its output, once it has
    succeeded."""
    result = subprocess.run(
        [sys.executable, *arguments],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def manage(env, *arguments):
    return run_python(env, "manage.py", *arguments)


def last_json_line(output):
    """What a preparing script printed last, as JSON (Django may print before it)."""
    return json.loads(output.strip().splitlines()[-1])


def prepare(env, readers, threads):
    return last_json_line(
        run_python(env, "-m", "tests.config.served_site", str(readers), str(threads))
    )


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(env, log_path, workers=3):
    """gunicorn serving the project; yields its base URL, and is killed on the way out."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(server, base_url, log_path)
            yield base_url
        finally:
            server.kill()
            server.wait(timeout=30)


def wait_until_up(server, base_url, log_path):
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{Path(log_path).read_text()}")
        try:
            if requests.get(f"{base_url}/healthz", timeout=5).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            # Not listening yet, or a worker still loading the app on a busy machine.
            pass
        time.sleep(0.2)  # waiting for the server to listen, not an assertion
    raise AssertionError(f"gunicorn did not answer in time:\n{Path(log_path).read_text()}")


class CommentFormReader(HTMLParser):
    """The Leave a Reply form of a page: its action and the value of every input in it."""

    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = {}
        self._inside = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == "commentform":
            self.action = attrs["action"]
            self._inside = True
        elif self._inside and tag == "input" and attrs.get("type") != "checkbox":
            self.fields[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False


def comment_form(html):
    reader = CommentFormReader()
    reader.feed(html)
    assert reader.action, "the page has no Leave a Reply form"
    return reader.action, reader.fields


def main(readers, threads):
    """Migrate the served database and fill it: an article open for comments with `threads`
    approved top-level comments, rules that publish at once with no flood limit, and
    `readers` readers with verified emails, each logged in by a session made here (the
    cookie a browser would hold after logging in)."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.urls import reverse

    call_command("migrate", verbosity=0, interactive=False)
    from comments.models import DiscussionSettings
    from tests.accounts.factories import ReaderFactory
    from tests.blog.factories import ArticleFactory
    from tests.comments.factories import CommentFactory

    rules = DiscussionSettings.load()
    rules.manual_approval = False
    rules.flood_interval = 0
    rules.save()
    article = ArticleFactory()
    reply_urls = [
        reverse("comments:reply", args=[CommentFactory(article=article).pk]) for _ in range(threads)
    ]
    sessions = []
    for number in range(readers):
        reader = ReaderFactory(username=f"reader{number}")
        session = SessionStore()
        session[SESSION_KEY] = str(reader.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = reader.get_session_auth_hash()
        session.create()
        sessions.append(session.session_key)
    print(
        json.dumps(
            {
                "article_url": article.get_absolute_url(),
                "reply_urls": reply_urls,
                "sessions": sessions,
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
