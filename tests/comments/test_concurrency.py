"""Comments posted at the same moment, each on its own database connection.

Every writer to a thread takes the thread's root row first, so concurrent replies are
placed one after another: no shared `order`, no deadlock, no half-placed row. Each
volley starts its threads together on a barrier; `pytest -s` prints what was fired,
saved and refused, and how long it took (printed, never asserted).
"""

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django_comments_xtd.conf import settings as xtd_settings
from django_comments_xtd.models import XtdComment

from blog.models import Article
from comments import services
from comments.models import Comment
from tests.blog.factories import ArticleFactory, UserFactory

from .factories import CommentFactory, reply_tree
from .test_threading import row_counts

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason=(
            "needs PostgreSQL row locks and concurrent connections; runs in CI's PostgreSQL pass"
        ),
    ),
    pytest.mark.django_db(transaction=True),
]

FIRED = 30
# Guards against a hung run; nothing asserts how long a volley takes.
HANG_GUARD = 120


@dataclass
class Volley:
    fired: int
    saved: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    started: float = 0.0
    seconds: float = 0.0

    def report(self, name):
        kinds = Counter(type(error).__name__ for error in self.errors)
        kinds = ", ".join(f"{kind} ×{n}" for kind, n in kinds.items())
        print(
            f"\n[concurrency] {name}: fired {self.fired}, saved {len(self.saved)}, "
            f"errors {len(self.errors)}{f' ({kinds})' if kinds else ''}, "
            f"{self.seconds * 1000:.0f} ms"
        )


def fire(name, posts):
    """Run every `post` (a callable saving one comment) in its own thread and connection,
    all released at once; returns the Volley of what was saved and what was raised."""
    volley = Volley(fired=len(posts))
    lock = threading.Lock()

    def released():
        volley.started = time.perf_counter()

    barrier = threading.Barrier(len(posts), action=released, timeout=HANG_GUARD)

    def run(post):
        try:
            connection.ensure_connection()  # connected before the barrier, not after
            barrier.wait()
            comment = post()
            with lock:
                volley.saved.append(comment)
        except Exception as error:  # every failure is counted, then asserted
            with lock:
                volley.errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(post,)) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HANG_GUARD)
    volley.seconds = time.perf_counter() - volley.started
    assert not any(thread.is_alive() for thread in threads), f"{name}: a thread hung"
    volley.report(name)
    return volley


def replies(article, parents, users):
    """FIRED posts, each a reply to the next parent in turn."""
    return [
        lambda i=i: CommentFactory(
            article=article,
            parent=parents[i % len(parents)],
            user=users[i % len(users)],
            comment=f"Reply {i}",
        )
        for i in range(FIRED)
    ]


def descendants(rows):
    """{pk: the number of comments below it}, from parent links alone."""
    children = {}
    for pk, parent_id, *_ in rows:
        if pk != parent_id:
            children.setdefault(parent_id, []).append(pk)

    def below(pk):
        return sum(1 + below(child) for child in children.get(pk, []))

    return {pk: below(pk) for pk, *_ in rows}


def depth_first(root_pk, rows):
    """A thread's reading order from parent links alone: replies to one comment in the
    order they were placed (by id: each takes its id while it holds the thread)."""
    children = {}
    for pk, parent_id, *_ in sorted(rows):
        if pk != parent_id:
            children.setdefault(parent_id, []).append(pk)

    def walk(pk):
        return [pk, *(pk_below for child in children.get(pk, []) for pk_below in walk(child))]

    return walk(root_pk)


def assert_thread_is_whole(root, expected_size):
    rows = list(
        XtdComment.norel_objects.filter(thread_id=root.pk)
        .order_by("order")
        .values_list("pk", "parent_id", "level", "order", "nested_count")
    )
    by_pk = {pk: (parent_id, level) for pk, parent_id, level, _, _ in rows}

    assert len(rows) == expected_size
    assert [order for _, _, _, order, _ in rows] == list(range(1, expected_size + 1))
    assert [pk for pk, *_ in rows] == depth_first(root.pk, rows)
    for pk, parent_id, level, _, _ in rows:
        if pk != root.pk:
            assert level == by_pk[parent_id][1] + 1, f"comment {pk} at the wrong level"
    assert {pk: count for pk, _, _, _, count in rows} == descendants(rows)
    assert not XtdComment.norel_objects.filter(thread_id=0).exists()


@pytest.fixture
def users():
    return UserFactory.create_batch(5)


def test_thirty_replies_to_one_parent_at_once_each_take_their_own_place(users):
    article = ArticleFactory()
    root = CommentFactory(article=article)

    volley = fire("30 replies to one parent", replies(article, [root], users))

    assert volley.errors == []
    assert len(volley.saved) == FIRED
    assert_thread_is_whole(root, 1 + FIRED)


def test_thirty_replies_spread_over_six_parents_of_one_thread_at_once(users):
    article = ArticleFactory()
    # Parents at levels 0 to 3: a chain (root, a, a1, a1x) and siblings (b, b1).
    parents = reply_tree(article, {"root": {"a": {"a1": {"a1x": {}}}, "b": {"b1": {}}}})
    root = parents["root"]

    volley = fire(
        "30 replies over 6 parents of one thread", replies(article, list(parents.values()), users)
    )

    assert volley.errors == []
    assert len(volley.saved) == FIRED
    assert_thread_is_whole(root, len(parents) + FIRED)


def test_thirty_top_level_comments_at_once_each_start_their_own_thread(users):
    article = ArticleFactory()
    posts = [
        lambda i=i: CommentFactory(article=article, user=users[i % len(users)], comment=f"#{i}")
        for i in range(FIRED)
    ]

    volley = fire("30 top-level comments on one article", posts)

    assert volley.errors == []
    rows = set(
        Comment.objects.for_article(article).values_list(
            "pk", "thread_id", "parent_id", "level", "order", "nested_count"
        )
    )
    assert rows == {(pk, pk, pk, 0, 1, 0) for pk, *_ in rows}
    assert len(rows) == FIRED
    assert not XtdComment.norel_objects.filter(thread_id=0).exists()


@pytest.mark.parametrize("as_reply", [False, True], ids=["top-level", "reply"])
def test_the_same_form_posted_twice_at_once_stores_one_comment(as_reply):
    article = ArticleFactory()
    user = UserFactory()
    root = CommentFactory(article=article) if as_reply else None
    key = Comment.submission_key_for(user.pk, article.pk, 1700000000, root and root.pk, "Twice")
    before = row_counts()

    def post():
        return CommentFactory(
            article=article, parent=root, user=user, comment="Twice", submission_key=key
        )

    volley = fire(f"the same form twice ({'reply' if as_reply else 'top-level'})", [post, post])

    assert len(volley.saved) == 1
    assert [type(error) for error in volley.errors] == [IntegrityError]
    assert {table: n - before[table] for table, n in row_counts().items()} == dict.fromkeys(
        before, 1
    )
    assert Comment.objects.get(submission_key=key).pk == volley.saved[0].pk
    if as_reply:
        assert_thread_is_whole(root, 2)


# One interleaving, held in place: the first reply's transaction stays open until the
# second is seen waiting on it.


def backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def wait_until_blocked_by(waiting_pid, holding_pid):
    """Poll until PostgreSQL reports `waiting_pid` waiting for a lock `holding_pid` holds."""
    deadline = time.monotonic() + HANG_GUARD
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_blocking_pids(%s)", [waiting_pid])
            if holding_pid in cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    pytest.fail(f"backend {waiting_pid} never waited on backend {holding_pid}")


class Interleaving:
    """`first` saves inside a transaction that stays open; `second` starts once `first`
    has saved, and `first` commits only once `second` waits on one of its locks."""

    def __init__(self, first, second):
        self.first, self.second = first, second
        self.pids = {}
        self.results = {}
        self.placed = threading.Event()
        self.release = threading.Event()

    def run_first(self):
        try:
            self.pids["first"] = backend_pid()
            with transaction.atomic():
                self.results["first"] = self.first()
                self.placed.set()
                self.release.wait(HANG_GUARD)
        except Exception as error:  # reported through results
            self.results["first"] = error
        finally:
            self.placed.set()
            connection.close()

    def run_second(self):
        try:
            self.pids["second"] = backend_pid()
            self.placed.wait(HANG_GUARD)
            self.results["second"] = self.second()
        except Exception as error:  # reported through results
            self.results["second"] = error
        finally:
            connection.close()

    def run(self):
        threads = [
            threading.Thread(target=self.run_first),
            threading.Thread(target=self.run_second),
        ]
        for thread in threads:
            thread.start()
        try:
            self.placed.wait(HANG_GUARD)
            while "second" not in self.pids:
                time.sleep(0.01)
            wait_until_blocked_by(self.pids["second"], self.pids["first"])
            waited = "second" not in self.results
        finally:
            self.release.set()
            for thread in threads:
                thread.join(HANG_GUARD)
        assert not any(thread.is_alive() for thread in threads), "a thread hung"
        return waited


def test_a_reply_waits_for_the_thread_while_another_reply_is_being_placed(users):
    article = ArticleFactory()
    root = CommentFactory(article=article)
    first, second = replies(article, [root], users)[:2]
    interleaving = Interleaving(first, second)

    assert interleaving.run() is True

    first, second = interleaving.results["first"], interleaving.results["second"]
    assert (first.order, second.order) == (2, 3)
    assert_thread_is_whole(root, 3)


def stock_reply(root, user, text):
    """A reply saved by django-comments-xtd's own XtdComment.save()."""
    return XtdComment(
        content_type=ContentType.objects.get_for_model(Article),
        object_pk=root.object_pk,
        site_id=settings.SITE_ID,
        user=user,
        user_name=user.username,
        user_email=user.email,
        comment=text,
        parent_id=root.pk,
    )


def test_stock_xtd_gives_two_concurrent_replies_one_place_and_leaves_an_orphan(users, monkeypatch):
    """What the library does alone, in the same interleaving: it inserts a reply, commits,
    then reads the thread without a lock, so the second reply takes the first's place.
    The (thread_id, order) index refuses it, and the half-placed row stays behind."""
    # The library's own depth setting, which Liaison leaves unset (the editor's thread
    # depth is the only one): without it, stock xtd refuses every reply.
    monkeypatch.setattr(xtd_settings, "COMMENTS_XTD_MAX_THREAD_LEVEL", 4)
    root = CommentFactory()

    def first():
        reply = stock_reply(root, users[0], "First")
        reply.save()
        return reply

    def second():
        reply = stock_reply(root, users[1], "Second")
        interleaving.second_reply = reply
        reply.save()
        return reply

    interleaving = Interleaving(first, second)

    assert interleaving.run() is True

    assert interleaving.results["first"].order == 2
    assert isinstance(interleaving.results["second"], IntegrityError)
    orphan = XtdComment.norel_objects.get(pk=interleaving.second_reply.pk)
    assert (orphan.thread_id, orphan.is_public) == (0, True)
    # Both were counted under the root; one joined its thread.
    assert XtdComment.norel_objects.get(pk=root.pk).nested_count == 2
    assert XtdComment.norel_objects.filter(thread_id=root.pk).count() == 2


def test_two_approvals_at_once_on_one_article_count_both():
    article = ArticleFactory()
    root = CommentFactory(article=article)
    held = [CommentFactory(parent=root, held=True) for _ in range(2)]
    moderator = UserFactory(is_staff=True)
    interleaving = Interleaving(
        lambda: services.approve(held[0], by=moderator),
        lambda: services.approve(held[1], by=moderator),
    )

    assert interleaving.run() is True

    assert interleaving.results == {"first": True, "second": True}
    assert Article.objects.get(pk=article.pk).comment_count == 3
