"""Comments posted at once by many readers to gunicorn's workers on one SQLite file.

Each worker holds its own connection. A reply's transaction reads its thread before it
writes its place in it: without `transaction_mode: IMMEDIATE` that transaction asks for
the write lock halfway and fails at once when another worker holds it ("database is
locked", a 500). With it, every post waits its turn. Half the comments are replies, sent
from their reply pages; half start threads, sent from the article page. `pytest -s`
prints what was posted, stored and refused.
"""

import sqlite3
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from .served_site import comment_form, prepare, serve, served_environment

pytestmark = pytest.mark.sqlite_file

READERS = 20
THREADS = 10
COMMENTS = 200
POSTERS = 40
# Every request is bounded: a hung server fails the test instead of hanging it.
REQUEST_TIMEOUT = 60


def post_comment(base_url, page_url, session_key, number):
    """As a reader does it: open the page with the form (the article, or a comment's reply
    page), then send its Leave a Reply form."""
    with requests.Session() as browser:
        browser.cookies.set("sessionid", session_key, domain="127.0.0.1")
        page = browser.get(base_url + page_url, timeout=REQUEST_TIMEOUT)
        if page.status_code != 200:
            return f"GET {page.status_code}"
        action, fields = comment_form(page.text)
        fields["comment"] = f"Comment number {number}, sent with {COMMENTS - 1} others."
        answer = browser.post(
            base_url + action, data=fields, allow_redirects=False, timeout=REQUEST_TIMEOUT
        )
        return answer.status_code


def test_every_comment_posted_at_once_is_stored(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = served_environment(f"sqlite:///{database}", tmp_path)
    site = prepare(env, READERS, THREADS)
    log_path = tmp_path / "gunicorn.log"

    def post(number):
        replies = site["reply_urls"]
        page_url = replies[number // 2 % THREADS] if number % 2 else site["article_url"]
        return post_comment(base_url, page_url, site["sessions"][number % READERS], number)

    with serve(env, log_path) as base_url, ThreadPoolExecutor(POSTERS) as pool:
        answers = list(pool.map(post, range(COMMENTS)))
    with sqlite3.connect(database) as connection:
        (stored,) = connection.execute("SELECT count(*) FROM comments_comment").fetchone()

    statuses = Counter(answers)
    redirects = statuses[302] + statuses[303]
    print(
        f"\n[sqlite concurrency] posted {COMMENTS} through 3 gunicorn workers: "
        f"answers {dict(statuses)}, stored {stored - THREADS}, errors {COMMENTS - redirects}"
    )
    assert redirects == COMMENTS, f"{dict(statuses)}\n{log_path.read_text()[-5000:]}"
    assert stored == THREADS + COMMENTS
