"""Where a comment goes in its thread, and what saving it again leaves alone.

The site's Comment places a reply after its parent's subtree (thread_id, level, order),
counts it under every ancestor (nested_count), refuses a reply that may not join its
thread without saving anything, and changes a comment's state only where asked.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django_comments.models import Comment as ContribComment
from django_comments_xtd.models import XtdComment

from blog.models import Article
from comments import services
from comments.models import Comment, ModerationEvent, ReplyRefused, current_rules
from tests.blog.factories import ArticleFactory

from .factories import CommentFactory, reply_tree

pytestmark = pytest.mark.django_db

TABLES = [
    Comment._meta.db_table,
    XtdComment._meta.db_table,
    ContribComment._meta.db_table,
]

# One thread, posted a level at a time: a1 is posted after c, a1x after b1, and so on.
SHAPE = {
    "root": {
        "a": {"a1": {"a1x": {"a1x1": {}}}, "a2": {}},
        "b": {"b1": {}},
        "c": {},
    }
}
READING_ORDER = ["root", "a", "a1", "a1x", "a1x1", "a2", "b", "b1", "c"]


def row_counts():
    """Rows in each of the three tables a comment is stored across."""
    with connection.cursor() as cursor:
        counts = {}
        for table in TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def thread_rows(thread_id):
    """What threading writes, for every comment of a thread, in reading order."""
    return list(
        XtdComment.norel_objects.filter(thread_id=thread_id)
        .order_by("order")
        .values_list("pk", "parent_id", "level", "order", "nested_count", "is_public")
    )


def chain(article, length):
    """A top-level comment and replies each to the one before: levels 0 to length - 1."""
    comments = [CommentFactory(article=article)]
    for _ in range(length - 1):
        comments.append(CommentFactory(parent=comments[-1]))
    return comments


def test_a_top_level_comment_starts_its_own_thread():
    comment = CommentFactory()

    comment.refresh_from_db()
    assert comment.thread_id == comment.parent_id == comment.pk
    assert (comment.level, comment.order, comment.nested_count) == (0, 1, 0)


def test_top_level_comments_on_one_article_are_separate_threads():
    article = ArticleFactory()
    first, second = CommentFactory(article=article), CommentFactory(article=article)
    CommentFactory(parent=first)

    second.refresh_from_db()
    assert second.thread_id == second.pk != first.pk
    assert (second.order, second.nested_count) == (1, 0)


def test_a_reply_goes_after_its_parents_existing_replies():
    root = CommentFactory()
    first = CommentFactory(parent=root)
    first_reply = CommentFactory(parent=first)
    second = CommentFactory(parent=root)

    late_reply = CommentFactory(parent=first)

    in_order = [pk for pk, *_ in thread_rows(root.pk)]
    assert in_order == [root.pk, first.pk, first_reply.pk, late_reply.pk, second.pk]


def test_a_thread_reads_in_depth_first_order_with_orders_one_to_n():
    comments = reply_tree(ArticleFactory(), SHAPE)
    rows = thread_rows(comments["root"].pk)

    labels = {comment.pk: label for label, comment in comments.items()}
    assert [labels[pk] for pk, *_ in rows] == READING_ORDER
    assert [order for _, _, _, order, _, _ in rows] == list(range(1, len(READING_ORDER) + 1))


def test_every_reply_is_one_level_below_its_parent():
    comments = reply_tree(ArticleFactory(), SHAPE)

    levels = {label: comment.level for label, comment in comments.items()}
    assert levels == {
        "root": 0,
        "a": 1,
        "a1": 2,
        "a1x": 3,
        "a1x1": 4,
        "a2": 2,
        "b": 1,
        "b1": 2,
        "c": 1,
    }
    root = comments["root"]
    assert all(comment.thread_id == root.pk for comment in comments.values())


def test_nested_count_counts_every_reply_below_a_comment_at_any_depth():
    comments = reply_tree(ArticleFactory(), SHAPE)

    counts = {label: comment.nested_count for label, comment in comments.items()}
    assert counts == {
        "root": 8,
        "a": 4,
        "a1": 2,
        "a1x": 1,
        "a1x1": 0,
        "a2": 0,
        "b": 1,
        "b1": 0,
        "c": 0,
    }


def test_a_reply_at_the_deepest_level_is_accepted():
    comments = chain(ArticleFactory(), current_rules().max_level)

    deepest = CommentFactory(parent=comments[-1])

    assert deepest.level == current_rules().max_level == 4


# Refused replies -------------------------------------------------------------------------


def refused_parent_on_another_article(article, thread):
    return CommentFactory(article=ArticleFactory())


def refused_parent_held(article, thread):
    return CommentFactory(parent=thread[0], held=True)


def refused_parent_removed(article, thread):
    return CommentFactory(parent=thread[0], removed=True)


def refused_parent_at_the_deepest_level(article, thread):
    return thread[-1]


@pytest.mark.parametrize(
    "refused_parent",
    [
        refused_parent_on_another_article,
        refused_parent_held,
        refused_parent_removed,
        refused_parent_at_the_deepest_level,
    ],
    ids=["another article", "held", "removed", "beyond the deepest level"],
)
def test_a_refused_reply_raises_and_saves_nothing(refused_parent):
    article = ArticleFactory()
    thread = chain(article, current_rules().max_level + 1)
    parent = refused_parent(article, thread)
    before = row_counts(), thread_rows(parent.thread_id), thread_rows(thread[0].pk)

    with pytest.raises(ReplyRefused):
        CommentFactory(article=article, parent=parent)

    assert (row_counts(), thread_rows(parent.thread_id), thread_rows(thread[0].pk)) == before


def test_a_reply_to_a_comment_that_does_not_exist_is_refused():
    before = row_counts()

    with pytest.raises(ReplyRefused):
        CommentFactory(parent_id=10**9)

    assert row_counts() == before


# Saving again ----------------------------------------------------------------------------


def test_saving_a_comment_again_leaves_the_thread_as_it_was():
    comments = reply_tree(ArticleFactory(), SHAPE)
    before = thread_rows(comments["root"].pk)

    for label in READING_ORDER:
        comment = Comment.objects.get(pk=comments[label].pk)
        comment.comment = "Edited."
        comment.save()

    assert thread_rows(comments["root"].pk) == before


def test_publishing_a_comment_again_publishes_none_of_its_held_replies():
    root = CommentFactory()
    parent = CommentFactory(parent=root)
    held = CommentFactory(parent=parent, held=True)
    public = CommentFactory(parent=parent)
    before = thread_rows(root.pk)

    parent = Comment.objects.get(pk=parent.pk)
    parent.is_public = False
    parent.save()
    parent.is_public = True
    parent.save()

    assert thread_rows(root.pk) == before
    assert Comment.objects.get(pk=held.pk).is_public is False
    assert Comment.objects.get(pk=public.pk).is_public is True


def test_unpublishing_a_comment_leaves_its_replies_and_counts_alone():
    root = CommentFactory()
    parent = CommentFactory(parent=root)
    CommentFactory(parent=parent)
    CommentFactory(parent=parent, held=True)
    before = [row for row in thread_rows(root.pk) if row[0] != parent.pk]

    parent = Comment.objects.get(pk=parent.pk)
    parent.is_public = False
    parent.save()

    assert [row for row in thread_rows(root.pk) if row[0] != parent.pk] == before


# A copy read before later replies (one open in the admin, say) is saved without its stale
# thread fields.
def test_saving_a_copy_read_before_later_replies_keeps_their_count():
    root = CommentFactory()
    copy = Comment.objects.get(pk=root.pk)
    CommentFactory(parent=root)

    copy.comment = "Edited."
    copy.save()

    assert Comment.objects.get(pk=root.pk).nested_count == 1


def test_saving_a_copy_read_before_its_place_moved_keeps_its_new_place():
    root = CommentFactory()
    first = CommentFactory(parent=root)
    second = CommentFactory(parent=root)
    copy = Comment.objects.get(pk=second.pk)
    CommentFactory(parent=first)  # takes second's place; second moves down one

    copy.comment = "Edited."
    with transaction.atomic():
        copy.save()

    assert Comment.objects.get(pk=second.pk).order == 4


# Approving -------------------------------------------------------------------------------


def test_approve_publishes_the_comment_but_not_its_held_replies(moderator):
    root = CommentFactory()
    parent = CommentFactory(parent=root)
    reply = CommentFactory(parent=parent, held=True)
    # A moderator took the parent back after the reply came in.
    Comment.objects.filter(pk=parent.pk).update(is_public=False)
    parent.refresh_from_db()

    assert services.approve(parent, by=moderator) is True

    assert Comment.objects.get(pk=parent.pk).is_public is True
    assert Comment.objects.get(pk=reply.pk).is_public is False


def test_approve_counts_approved_comments_only_on_the_article(moderator):
    article = ArticleFactory()
    root = CommentFactory(article=article)
    held = CommentFactory(parent=root, held=True)
    CommentFactory(parent=root, held=True)
    CommentFactory(parent=root, removed=True)

    services.approve(held, by=moderator)

    assert Article.objects.get(pk=article.pk).comment_count == 2


def test_approve_records_the_moderators_approval(moderator):
    held = CommentFactory(parent=CommentFactory(), held=True)

    services.approve(held, by=moderator)

    events = ModerationEvent.objects.filter(comment_id=held.pk)
    assert list(events.values_list("actor", "action")) == [
        (moderator.pk, ModerationEvent.Action.APPROVE)
    ]


def test_approve_a_public_comment_changes_nothing(moderator):
    article = ArticleFactory()
    comment = CommentFactory(article=article)
    Article.objects.filter(pk=article.pk).update(comment_count=7)

    assert services.approve(comment, by=moderator) is False

    assert not ModerationEvent.objects.filter(comment_id=comment.pk).exists()
    assert Article.objects.get(pk=article.pk).comment_count == 7


def test_approve_brings_back_a_removed_comment(moderator):
    comment = CommentFactory(removed=True)

    assert services.approve(comment, by=moderator) is True

    comment.refresh_from_db()
    assert (comment.is_public, comment.is_removed) == (True, False)


# The tripwire ----------------------------------------------------------------------------


def test_the_database_rejects_two_comments_at_one_place_in_a_thread():
    root = CommentFactory()
    first = CommentFactory(parent=root)
    second = CommentFactory(parent=root)

    with pytest.raises(IntegrityError), transaction.atomic():
        XtdComment.norel_objects.filter(pk=second.pk).update(order=first.order)


def test_the_database_lets_top_level_comments_share_thread_zero_while_being_inserted():
    # thread_id is 0 only inside the transaction that inserts a top-level comment; two
    # such transactions at once must not collide.
    first, second = CommentFactory(), CommentFactory()

    XtdComment.norel_objects.filter(pk__in=[first.pk, second.pk]).update(thread_id=0, order=1)

    assert XtdComment.norel_objects.filter(thread_id=0).count() == 2


def test_the_comment_content_type_is_the_articles():
    comment = CommentFactory()

    assert comment.content_type == ContentType.objects.get_for_model(Article)
    assert comment.article_pk == int(comment.object_pk)
