"""`manage.py purge_spam`: deletes old spam, only that, from all three comment tables, and
never a comment that replies below it still need."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from comments import services
from comments.models import Comment, ModerationEvent
from tests.blog.factories import ArticleFactory

from .factories import CommentFactory

pytestmark = pytest.mark.django_db

# Each table of the inheritance, with the column holding the comment's id.
COMMENT_TABLES = {
    "comments_comment": "xtdcomment_ptr_id",
    "django_comments_xtd_xtdcomment": "comment_ptr_id",
    "django_comments": "id",
}


def days_ago(days):
    return timezone.now() - timedelta(days=days)


def purge(*args):
    out = StringIO()
    call_command("purge_spam", *args, stdout=out)
    return out.getvalue()


def rows_in_each_table(pks):
    """{table: how many of these comments' rows it holds}, read with SQL, not the ORM."""
    counts = {}
    placeholders = ", ".join(["%s"] * len(pks))
    with connection.cursor() as cursor:
        for table, column in COMMENT_TABLES.items():
            cursor.execute(
                f"SELECT COUNT(*) FROM {table} WHERE {column} IN ({placeholders})", list(pks)
            )
            counts[table] = cursor.fetchone()[0]
    return counts


def exists(comment):
    return Comment.objects.filter(pk=comment.pk).exists()


def remaining(*comments):
    """Which of these comments are still there, by id."""
    pks = [comment.pk for comment in comments]
    return set(Comment.objects.filter(pk__in=pks).values_list("pk", flat=True))


def reply_counts(*comments):
    counts = dict(
        Comment.objects.filter(pk__in=[c.pk for c in comments]).values_list("pk", "nested_count")
    )
    return tuple(counts[comment.pk] for comment in comments)


def old_spam(article, days=40, **kwargs):
    return CommentFactory(
        article=article, is_spam=True, is_removed=True, submit_date=days_ago(days), **kwargs
    )


def spam_later(comment):
    """A comment posted and answered while approved, found to be spam afterwards."""
    services.mark_spam(comment)
    return comment


@pytest.fixture
def article():
    return ArticleFactory()


def test_deletes_spam_older_than_thirty_days_by_default(article):
    spam = old_spam(article, days=31)

    purge()

    assert not exists(spam)


def test_keeps_spam_younger_than_the_days(article):
    recent = old_spam(article, days=29)

    purge()

    assert exists(recent)


def test_deletes_only_spam(article):
    old = days_ago(40)
    kept = [
        CommentFactory(article=article, submit_date=old),
        CommentFactory(article=article, submit_date=old, held=True),
        CommentFactory(article=article, submit_date=old, removed=True),
    ]
    spam = old_spam(article)

    purge()

    assert not exists(spam)
    assert all(exists(comment) for comment in kept)


def test_days_option_sets_the_age(article):
    spam = old_spam(article, days=10)

    purge("--days", "7")

    assert not exists(spam)


def test_deletes_the_rows_in_all_three_tables(article):
    spam = old_spam(article)
    other = CommentFactory(article=article)
    assert rows_in_each_table([spam.pk, other.pk]) == dict.fromkeys(COMMENT_TABLES, 2)

    purge()

    assert rows_in_each_table([spam.pk]) == dict.fromkeys(COMMENT_TABLES, 0)
    assert rows_in_each_table([other.pk]) == dict.fromkeys(COMMENT_TABLES, 1)


def test_moderation_events_go_with_their_comment(article):
    spam = spam_later(CommentFactory(article=article, submit_date=days_ago(40)))
    other = spam_later(CommentFactory(article=article))

    purge()

    assert not ModerationEvent.objects.filter(comment_id=spam.pk).exists()
    assert ModerationEvent.objects.filter(comment=other).exists()


def test_says_how_many_it_deleted(article):
    old_spam(article)
    old_spam(article)

    assert purge() == "Deleted 2 spam comments submitted more than 30 days ago.\n"


def test_dry_run_lists_and_deletes_nothing(article):
    spam = old_spam(article, user_name="Spammer")

    output = purge("--dry-run")

    assert f"Would delete spam comment {spam.pk}, submitted " in output
    assert "by Spammer." in output
    assert "Would delete 1 spam comment submitted more than 30 days ago." in output
    assert rows_in_each_table([spam.pk]) == dict.fromkeys(COMMENT_TABLES, 1)


@pytest.mark.parametrize("days", ["0", "-5"])
def test_refuses_fewer_than_one_day(article, days):
    spam = old_spam(article, days=400)

    with pytest.raises(CommandError, match="--days must be 1 or more"):
        purge("--days", days)
    assert exists(spam)


def test_keeps_spam_with_a_reply_that_is_not_spam(article):
    spam = CommentFactory(article=article, submit_date=days_ago(40))
    reply = CommentFactory(parent=spam, comment="A fair answer.")
    spam_later(spam)

    output = purge()

    assert remaining(spam, reply) == {spam.pk, reply.pk}
    assert f"Kept 1 spam comment with replies that stay: {spam.pk}." in output


def test_keeps_spam_with_a_reply_deep_below_that_is_not_spam(article):
    spam = CommentFactory(article=article, submit_date=days_ago(40))
    spam_reply = CommentFactory(parent=spam, submit_date=days_ago(40))
    answer = CommentFactory(parent=spam_reply)
    spam_later(spam_reply)
    spam_later(spam)

    purge()

    assert remaining(spam, spam_reply, answer) == {spam.pk, spam_reply.pk, answer.pk}


def test_keeps_spam_whose_spam_reply_is_too_recent_to_go(article):
    spam = CommentFactory(article=article, submit_date=days_ago(40))
    recent_reply = spam_later(CommentFactory(parent=spam, submit_date=days_ago(3)))
    spam_later(spam)

    purge()

    assert remaining(spam, recent_reply) == {spam.pk, recent_reply.pk}


def test_deletes_a_thread_of_spam_whole(article):
    spam = CommentFactory(article=article, submit_date=days_ago(40))
    spam_reply = CommentFactory(parent=spam, submit_date=days_ago(40))
    spam_later(spam_reply)
    spam_later(spam)

    output = purge()

    assert remaining(spam, spam_reply) == set()
    assert output.startswith("Deleted 2 spam comments")


def test_deleted_replies_leave_the_reply_counts_above_them(article):
    root = CommentFactory(article=article)
    answer = CommentFactory(parent=root)
    spam_later(CommentFactory(parent=answer, submit_date=days_ago(40)))
    assert reply_counts(root, answer) == (2, 1)

    purge()

    assert reply_counts(root, answer) == (1, 0)


def test_the_thread_takes_new_replies_after_a_purge(article):
    root = CommentFactory(article=article)
    spam_later(CommentFactory(parent=root, submit_date=days_ago(40)))
    kept = CommentFactory(parent=root)
    purge()

    newest = CommentFactory(parent=root)

    thread = Comment.objects.filter(thread_id=root.pk).in_thread_order()
    assert list(thread.values_list("pk", flat=True)) == [root.pk, kept.pk, newest.pk]
