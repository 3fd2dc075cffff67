"""Two app processes on one database: what an editor or a moderator changes through one is
what the other serves on its very next request.

Two gunicorn processes (one worker each, on two ports), sharing
- PostgreSQL (a throwaway database on the shared server, made and dropped here) and a Redis
  of the test's own (a private redis-server: nothing of another run is read or cleared), or
- one SQLite file, each with its own local-memory cache (no Redis): the case where a copy
  kept in one process's memory could outlive a change made through the other.

Through A, an editor signs in to the admin and changes the discussion rules (three comments,
one a page), then approves a held reply; B's article page, asked by a reader who is not
logged in (through B's page cache, which kept the page before), shows each change at once.
"""

import json
import os
import uuid
from contextlib import ExitStack
from html.parser import HTMLParser
from urllib.parse import urlsplit

import psycopg
import pytest
import requests

from .private_redis import start_redis, stop_redis
from .served_site import free_port, last_json_line, run_python, serve, served_environment

REQUEST_TIMEOUT = 15
EDITOR, PASSWORD = "editor", "an editor's password, for this test only"
HELD_REPLY = "A held reply about the leaflets, approved through the other process."


class FormReader(HTMLParser):
    """Every field of the page's forms as a browser would send it: inputs (checked boxes
    only), textareas and the selected option of each select."""

    def __init__(self):
        super().__init__()
        self.fields = {}
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file"}:
            if attrs.get("type") in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.fields[name] = attrs.get("value") or "on"
                return
            self.fields[name] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields[self._select] = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def form_fields(html):
    reader = FormReader()
    reader.feed(html)
    return reader.fields


def shared_postgres_server():
    """The server the suite runs on when DATABASE_URL names one, else the local one."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"
    return "postgres://postgres@127.0.0.1:5432"


@pytest.fixture(params=["postgresql and redis", "sqlite and local memory"])
def shared_stores(request, tmp_path):
    """(DATABASE_URL, REDIS_URL or None) for both processes; removed afterwards."""
    if request.param == "sqlite and local memory":
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}", None
        return
    server = shared_postgres_server()
    name = f"liaison_two_processes_{uuid.uuid4().hex[:12]}"
    redis_port = free_port()
    with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=10) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    redis_server = None
    try:
        redis_server = start_redis(redis_port)
        yield f"{server}/{name}", f"redis://127.0.0.1:{redis_port}/0"
    finally:
        if redis_server is not None:
            stop_redis(redis_server)
        with psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=10) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def two_processes(shared_stores, tmp_path):
    """Base URLs of processes A and B, and what the prepared database holds."""
    database_url, redis_url = shared_stores
    env = served_environment(database_url, tmp_path / "var")
    if redis_url:
        env["REDIS_URL"] = redis_url
    prepared = last_json_line(run_python(env, "-m", "tests.config.test_two_processes"))
    with ExitStack() as servers:
        a = servers.enter_context(serve(env, tmp_path / "a.log", workers=1))
        b = servers.enter_context(serve(env, tmp_path / "b.log", workers=1))
        yield a, b, prepared


def signed_in_editor(base_url):
    browser = requests.Session()
    login = browser.get(f"{base_url}/admin/login/", timeout=REQUEST_TIMEOUT)
    response = browser.post(
        f"{base_url}/admin/login/?next=/admin/",
        data={
            "csrfmiddlewaretoken": form_fields(login.text)["csrfmiddlewaretoken"],
            "username": EDITOR,
            "password": PASSWORD,
            "next": "/admin/",
        },
        timeout=REQUEST_TIMEOUT,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text
    return browser


def read_as_anonymous(url):
    return requests.get(url, timeout=REQUEST_TIMEOUT)


def test_a_change_made_through_one_process_is_served_by_the_other_at_once(two_processes):
    a, b, prepared = two_processes
    article_on_b = f"{b}{prepared['article_url']}"
    before = read_as_anonymous(article_on_b)
    kept = read_as_anonymous(article_on_b)
    assert before.status_code == 200
    assert kept.headers["X-Page-Cache"] == "hit"  # B holds the page, and the rules it used
    assert "Page 1 of" not in before.text
    assert HELD_REPLY not in before.text

    editor = signed_in_editor(a)
    rules_url = f"{a}/admin/comments/discussionsettings/1/change/"
    fields = form_fields(editor.get(rules_url, timeout=REQUEST_TIMEOUT).text)
    assert fields["top_level_per_page"] == "50"
    changed = editor.post(
        rules_url,
        data={**fields, "top_level_per_page": "1", "_save": "Save"},
        timeout=REQUEST_TIMEOUT,
        allow_redirects=False,
    )
    assert changed.status_code == 302, changed.text
    after_rules = read_as_anonymous(article_on_b)

    queue_url = f"{a}/admin/comments/comment/"
    approved = editor.post(
        queue_url,
        data={
            "csrfmiddlewaretoken": form_fields(editor.get(queue_url).text)["csrfmiddlewaretoken"],
            "action": "approve_comments",
            "_selected_action": [prepared["held_pk"]],
        },
        timeout=REQUEST_TIMEOUT,
        allow_redirects=False,
    )
    assert approved.status_code == 302, approved.text
    after_approval = read_as_anonymous(article_on_b)

    assert "Page 1 of 3" in after_rules.text
    assert after_rules.headers["X-Page-Cache"] == "miss"
    assert HELD_REPLY in after_approval.text
    assert after_approval.headers["X-Page-Cache"] == "miss"


def main():
    """Migrate the shared database and fill it: an editor (superuser), an article with three
    approved top-level comments under the default rules (50 a page), and a reply held for a
    moderator. Prints what the test needs as JSON."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from comments.models import DiscussionSettings
    from tests.blog.factories import ArticleFactory
    from tests.comments.factories import CommentFactory

    get_user_model().objects.create_superuser(EDITOR, "editor@example.org", PASSWORD)
    DiscussionSettings.load()
    article = ArticleFactory()
    first, _, _ = (CommentFactory(article=article) for _ in range(3))
    held = CommentFactory(parent=first, held=True, comment=HELD_REPLY)
    print(json.dumps({"article_url": article.get_absolute_url(), "held_pk": held.pk}))


if __name__ == "__main__":
    main()
