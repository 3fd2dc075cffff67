"""Posting through the Leave a Reply form: every rule is the server's, nothing half-saved."""

import time
from urllib.parse import parse_qs

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_comments.models import Comment as ContribComment
from django_comments_xtd.models import XtdComment

from blog.models import Article
from comments import services
from comments.forms import CommentForm
from comments.models import Comment, refresh_comment_count
from tests.blog.factories import ArticleFactory, UserFactory

from .factories import CommentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory(title="Kaesong")


@pytest.fixture
def reader(client):
    user = UserFactory(first_name="Min", last_name="Ji")
    client.force_login(user)
    return user


def form_data(
    article, text="The leaflets were only the pretext.", reply_to=0, signed_at=None, **changes
):
    """What the article page's form sends: its signed hidden fields and the reader's input."""
    form = CommentForm(article)
    data = {**form.initial, "comment": text, "reply_to": reply_to}
    if signed_at is not None:
        data["timestamp"] = str(signed_at)
        data["security_hash"] = form.initial_security_hash(signed_at)
    data.update(changes)
    return data


def post(client, article, **kwargs):
    return client.post(f"/comments/post/{article.pk}/", form_data(article, **kwargs))


def rows():
    """Every table a comment writes to: contrib-comments', xtd's and ours."""
    return (ContribComment.objects.count(), XtdComment.objects.count(), Comment.objects.count())


def test_a_logged_in_reader_posts_a_held_comment_and_lands_on_it(client, article, reader):
    response = post(client, article)

    comment = Comment.objects.get()
    assert comment.user == reader
    assert comment.user_name == "Min Ji"
    assert comment.is_public is False
    assert response.status_code == 302
    assert response["Location"] == f"{article.get_absolute_url()}#c{comment.pk}"


def test_the_author_is_told_the_comment_awaits_moderation(client, article, reader):
    response = post(client, article, text="Held for now.")

    page = client.get(response["Location"]).content.decode()
    assert "Your comment is awaiting moderation." in page
    assert "Held for now." in page


def test_an_anonymous_post_saves_nothing_and_goes_to_login_with_next(client, article):
    response = post(client, article)

    assert rows() == (0, 0, 0)
    assert response.status_code == 302
    login, query = response["Location"].split("?")
    assert login == "/accounts/login/"
    assert parse_qs(query) == {"next": [f"{article.get_absolute_url()}#respond"]}


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ({"published_at": None}, "not published"),
        ({"published_at": timezone.now() + timezone.timedelta(days=1)}, "not published"),
        ({"allow_comments": False}, "Comments are closed"),
        ({"comments_close_at": timezone.now() - timezone.timedelta(minutes=1)}, "closed"),
    ],
    ids=["draft", "scheduled", "comments off", "closing date passed"],
)
def test_an_article_that_takes_no_comments_refuses_and_keeps_the_text(
    client, reader, state, reason
):
    article = ArticleFactory(**state)

    response = post(client, article, text="My careful thoughts.")

    assert response.status_code == 403
    assert reason in response.content.decode()
    assert "My careful thoughts." in response.content.decode()
    assert rows() == (0, 0, 0)


def test_a_reply_to_another_articles_comment_is_refused(client, article, reader):
    elsewhere = CommentFactory(article=ArticleFactory())

    response = post(client, article, reply_to=elsewhere.pk)

    assert response.status_code == 400
    assert "not open for replies on this article" in response.content.decode()
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    "state", [{"is_public": False}, {"is_removed": True}], ids=["held", "removed"]
)
def test_a_reply_to_a_comment_not_public_is_refused(client, article, reader, state):
    parent = CommentFactory(article=article, **state)

    response = post(client, article, reply_to=parent.pk, text="Kept text")

    assert response.status_code == 400
    assert "Kept text" in response.content.decode()
    assert Comment.objects.count() == 1


def test_a_reply_beyond_the_maximum_depth_is_refused(client, article, reader):
    parent = CommentFactory(article=article)
    for _ in range(4):  # depth 5: levels 0 to 4
        parent = CommentFactory(article=article, parent=parent)
    assert parent.level == 4

    response = post(client, article, reply_to=parent.pk)

    assert response.status_code == 400
    assert "as deep as replies go" in response.content.decode()
    assert Comment.objects.count() == 5


def test_a_reply_at_the_last_level_is_accepted(client, article, reader):
    parent = CommentFactory(article=article)
    for _ in range(3):
        parent = CommentFactory(article=article, parent=parent)

    post(client, article, reply_to=parent.pk)

    assert Comment.objects.get(user=reader).level == 4


@pytest.mark.parametrize(
    "forged",
    [
        {"object_pk": "999"},
        {"content_type": "auth.user"},
        {"security_hash": "0" * 40},
    ],
    ids=["object_pk", "content_type", "security hash"],
)
def test_a_forged_form_is_refused_with_the_text_kept(client, article, reader, forged):
    response = post(client, article, text="Forged or not, my words.", **forged)

    assert response.status_code == 400
    assert "could not be checked" in response.content.decode()
    assert "Forged or not, my words." in response.content.decode()
    assert rows() == (0, 0, 0)


def test_a_form_signed_for_another_article_is_refused(client, article, reader):
    other = ArticleFactory()

    response = client.post(f"/comments/post/{article.pk}/", form_data(other))

    assert response.status_code == 400
    assert rows() == (0, 0, 0)


@pytest.mark.parametrize("text", ["", "   \n  "], ids=["empty", "blank"])
def test_an_empty_comment_is_refused(client, article, reader, text):
    response = post(client, article, text=text)

    assert response.status_code == 400
    assert "Write a comment before posting it." in response.content.decode()
    assert rows() == (0, 0, 0)


def test_an_over_long_comment_is_refused_with_its_text(client, article, reader):
    text = "word " * 1001  # 5,005 characters, past the default 5,000

    response = post(client, article, text=text)

    assert response.status_code == 400
    assert "at most 5000 characters" in response.content.decode()
    assert "word word word" in response.content.decode()
    assert rows() == (0, 0, 0)


def test_a_post_without_a_csrf_token_is_refused_with_the_text_to_copy(article):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())

    response = post(client, article, text="Typed before the cookie went.")

    assert response.status_code == 403
    assert "Typed before the cookie went." in response.content.decode()
    assert rows() == (0, 0, 0)


def test_an_expired_form_comes_back_re_signed_with_the_text(client, article, reader):
    three_hours_ago = int(time.time()) - 3 * 3600

    response = post(client, article, text="Written over lunch.", signed_at=three_hours_ago)

    assert response.status_code == 400
    page = response.content.decode()
    assert "open for more than 2 hours" in page
    assert "Written over lunch." in page
    assert f'value="{three_hours_ago}"' not in page
    assert rows() == (0, 0, 0)


def test_the_re_signed_form_posts(client, article, reader):
    three_hours_ago = int(time.time()) - 3 * 3600
    refused = post(client, article, text="Written over lunch.", signed_at=three_hours_ago)

    client.post(f"/comments/post/{article.pk}/", refused.context["form"].data)

    assert Comment.objects.get().comment == "Written over lunch."


def test_the_honeypot_refuses_with_the_text(client, article, reader):
    response = post(client, article, text="Human after all.", honeypot="bot")

    assert response.status_code == 400
    assert "Human after all." in response.content.decode()
    assert rows() == (0, 0, 0)


def test_the_same_form_posted_twice_stores_one_comment(client, article, reader):
    data = form_data(article)

    first = client.post(f"/comments/post/{article.pk}/", data)
    second = client.post(f"/comments/post/{article.pk}/", data)

    assert Comment.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_the_same_text_in_a_new_form_is_a_new_comment(client, article, reader, discussion_rules):
    discussion_rules(flood_interval=0)
    now = int(time.time())
    post(client, article, text="Agreed.", signed_at=now - 60)
    post(client, article, text="Agreed.", signed_at=now)

    assert Comment.objects.count() == 2


def test_a_long_full_name_is_cut_to_fit(client, article):
    client.force_login(UserFactory(first_name="Bartholomew " * 5, last_name="Featherstonehaugh"))

    post(client, article)

    name = Comment.objects.get().user_name
    assert len(name) == 50
    assert name.startswith("Bartholomew Bartholomew")
    assert name.endswith("…")


def test_a_reader_without_email_can_comment(client, article):
    client.force_login(UserFactory(email=""))

    response = post(client, article)

    assert response.status_code == 302
    assert Comment.objects.get().user_email == ""


def test_a_reply_lands_on_its_thread(client, article, reader):
    parent = CommentFactory(article=article)

    post(client, article, reply_to=parent.pk)

    reply = Comment.objects.get(user=reader)
    assert (reply.thread_id, reply.parent_id, reply.level) == (parent.pk, parent.pk, 1)


def test_get_on_the_post_address_is_not_allowed(client, article, reader):
    assert client.get(f"/comments/post/{article.pk}/").status_code == 405


def test_posting_to_a_missing_article_is_not_found(client, reader):
    article = ArticleFactory()
    data = form_data(article)
    Article.objects.filter(pk=article.pk).delete()

    assert client.post(f"/comments/post/{article.pk}/", data).status_code == 404


def test_the_comment_records_the_article_and_the_address(client, article, reader):
    post(client, article)

    comment = Comment.objects.get()
    assert comment.content_type == ContentType.objects.get_for_model(Article)
    assert comment.object_pk == str(article.pk)
    assert comment.ip_address == "127.0.0.1"


@pytest.mark.parametrize(
    "text",
    ["\u200b\u200b", "\u200d \u2060\ufeff", "\u202e\u202c", "\u3164\u3164", "\u2800", "\u0301"],
    ids=[
        "zero-width spaces",
        "joiners",
        "bidi controls",
        "hangul fillers",
        "braille blank",
        "mark",
    ],
)
def test_a_comment_of_invisible_characters_only_counts_as_empty(client, article, reader, text):
    response = post(client, article, text=text)

    assert response.status_code == 400
    assert "Write a comment before posting it." in response.content.decode()
    assert rows() == (0, 0, 0)


def test_invisible_characters_inside_a_real_comment_are_kept(client, article, reader):
    post(client, article, text="Kae\u200bsong")

    assert Comment.objects.get().comment == "Kae\u200bsong"


def locked_inserts(execute, sql, params, many, context):
    """SQLite's answer when the write lock was not had within the busy timeout."""
    if sql.lstrip().upper().startswith("INSERT"):
        raise OperationalError("database is locked")
    return execute(sql, params, many, context)


def test_a_comment_the_database_could_not_store_comes_back_with_its_text(client, article, reader):
    with connection.execute_wrapper(locked_inserts):
        response = post(client, article, text="Words the busy site must not lose.")

    assert response.status_code == 503
    assert response["Retry-After"] == str(services.BUSY_RETRY_AFTER_SECONDS)
    assert services.SITE_BUSY in response.content.decode()
    assert "Words the busy site must not lose." in response.content.decode()
    assert rows() == (0, 0, 0)


def test_a_serialization_failure_at_the_threaded_save_is_a_refusal_not_a_500(
    client, article, reader, monkeypatch
):
    def serialization_failure(*args, **kwargs):
        raise OperationalError("could not serialize access due to concurrent update")

    monkeypatch.setattr(Comment, "save_in_state", serialization_failure)

    response = post(client, article, text="Sent while another write held the row.")

    assert response.status_code == 503
    assert "Sent while another write held the row." in response.content.decode()
    assert 'id="commentform"' in response.content.decode()  # the form, to send it again


@pytest.mark.parametrize("earlier", [0, 12])
def test_posting_runs_a_fixed_number_of_queries_whatever_the_discussion(
    client, article, reader, discussion_rules, earlier, django_assert_num_queries
):
    discussion_rules(manual_approval=False, flood_interval=0)
    CommentFactory.create_batch(earlier, article=article)
    ContentType.objects.get_for_model(Article)  # cached for the process, as on a live site
    data = form_data(article)

    # The article, the session and user, the content version, the rules, the standing, the
    # duplicate and flood checks; the save in its transaction, with the follow-ups' task; the
    # thread's page for the redirect. (The version's move is not among them: on PostgreSQL
    # it follows the commit, and on SQLite this test's transaction made it already.)
    with django_assert_num_queries(20):
        response = client.post(f"/comments/post/{article.pk}/", data)

    assert response.status_code == 302


def test_the_check_for_a_resent_form_reads_the_comments_own_table_alone(
    client, article, reader, discussion_rules
):
    """A resend is rare: the check that looks for one builds no comment from three tables."""
    discussion_rules(manual_approval=False)

    with CaptureQueriesContext(connection) as queries:
        post(client, article)

    checks = [query["sql"] for query in queries if '"submission_key" =' in query["sql"]]
    assert len(checks) == 1
    assert "JOIN" not in checks[0]


def test_a_comment_no_rule_holds_is_approved_without_reading_permissions(
    client, article, reader, discussion_rules
):
    """Whether the author moderates only matters for a comment a rule would hold; a thread
    that lands on the first page needs no viewer-specific count either."""
    discussion_rules(manual_approval=False)

    with CaptureQueriesContext(connection) as queries:
        post(client, article)

    assert Comment.objects.get().is_public
    assert not [query for query in queries if "auth_permission" in query["sql"]]


def test_a_moderators_comment_a_rule_would_hold_is_approved(client, article, discussion_rules):
    discussion_rules(manual_approval=True)
    client.force_login(UserFactory(is_superuser=True))

    post(client, article)

    comment = Comment.objects.get()
    assert comment.is_public
    assert comment.moderation_reasons == ["moderator"]


def test_an_approved_comment_adds_one_to_the_articles_count_and_a_held_one_none(
    client, article, reader, discussion_rules
):
    CommentFactory.create_batch(3, article=article)
    refresh_comment_count(article.pk)
    discussion_rules(manual_approval=False, flood_interval=0)
    post(client, article, text="Approved at once.")
    discussion_rules(manual_approval=True, approve_returning_authors=False)
    post(client, article, text="Held for a moderator.")

    article.refresh_from_db()
    assert article.comment_count == 4
