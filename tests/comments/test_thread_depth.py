"""The thread depth an editor sets is the only one: on the page and on the server."""

import pytest

from comments.models import Comment
from tests.blog.factories import ArticleFactory, UserFactory

from .factories import CommentFactory
from .test_posting import post

pytestmark = pytest.mark.django_db


def chain(article, depth):
    """A top-level comment and a reply to each reply, `depth` comments in all."""
    comments = [CommentFactory(article=article)]
    while len(comments) < depth:
        comments.append(CommentFactory(article=article, parent=comments[-1]))
    return comments


@pytest.mark.parametrize("depth", [2, 7])
def test_replies_are_offered_down_to_the_editors_depth_and_no_further(
    client, discussion_rules, depth
):
    discussion_rules(thread_depth=depth)
    article = ArticleFactory()
    comments = chain(article, depth)
    client.force_login(UserFactory())

    page = client.get(article.get_absolute_url()).content.decode()

    assert comments[-1].level == depth - 1
    offered = [f'data-reply-to="{comment.pk}"' in page for comment in comments]
    assert offered == [True] * (depth - 1) + [False]


@pytest.mark.parametrize("depth", [2, 7])
def test_the_server_takes_replies_down_to_the_editors_depth_and_no_further(
    client, discussion_rules, depth
):
    discussion_rules(thread_depth=depth, flood_interval=0, manual_approval=False)
    article = ArticleFactory()
    comments = chain(article, depth)
    client.force_login(UserFactory())

    deepest_allowed = post(client, article, reply_to=comments[-2].pk, text="Deep enough.")
    too_deep = post(client, article, reply_to=comments[-1].pk, text="One level too deep.")

    assert deepest_allowed.status_code == 302
    assert Comment.objects.get(comment="Deep enough.").level == depth - 1
    assert too_deep.status_code == 400
    assert "as deep as replies go" in too_deep.content.decode()
    assert not Comment.objects.filter(comment="One level too deep.").exists()
