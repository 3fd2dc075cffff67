"""Moderation on the site: decisions at posting, moderators in place, reports, bans,
parents and replies, and who is told."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from comments import services
from comments.models import Comment, Commenter, ModerationEvent, Report
from tests.blog.factories import ArticleFactory, UserFactory

from .factories import CommentFactory
from .test_posting import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory(title="Kaesong")


def post(client, article, **kwargs):
    return client.post(f"/comments/post/{article.pk}/", form_data(article, **kwargs))


def an_hour_ago():
    return timezone.now() - timedelta(hours=1)


# Decisions at posting -----------------------------------------------------------------


def test_a_held_comment_records_its_reasons_and_the_rules_decision(client, article):
    client.force_login(UserFactory())

    post(client, article, text="casino https://a.example https://b.example")

    comment = Comment.objects.get()
    assert comment.state == Comment.State.PENDING
    assert comment.moderation_reasons == ["2 links", "first comment"]
    event = ModerationEvent.objects.get(comment=comment)
    assert (event.actor, event.action) == (None, ModerationEvent.Action.POLICY)


def test_a_returning_author_is_published_at_once(client, article):
    author = UserFactory()
    CommentFactory(user=author, submit_date=an_hour_ago())
    client.force_login(author)

    post(client, article, text="Again.")

    comment = Comment.objects.get(comment="Again.")
    assert comment.state == Comment.State.APPROVED
    article.refresh_from_db()
    assert article.comment_count == 1


def test_spam_is_hidden_even_from_its_author_and_told_nothing_special(
    client, article, discussion_rules
):
    discussion_rules(disallowed_words="viagra")
    author = UserFactory()
    client.force_login(author)

    response = client.post(
        f"/comments/post/{article.pk}/", form_data(article, text="Cheap viagra"), follow=True
    )

    comment = Comment.objects.get()
    assert comment.state == Comment.State.SPAM
    assert comment.moderation_reasons == ["disallowed word: viagra"]
    page = response.content.decode()
    assert "awaiting moderation" in page
    assert "Cheap viagra" not in page


def test_a_second_comment_too_soon_is_refused_with_its_text(client, article):
    author = UserFactory()
    CommentFactory(user=author)
    client.force_login(author)

    response = post(client, article, text="Quick follow-up")

    assert response.status_code == 429
    assert "wait 15 seconds" in response.content.decode()
    assert "Quick follow-up" in response.content.decode()
    assert Comment.objects.count() == 1


def test_a_banned_reader_is_told_plainly_and_refused(client, article):
    banned = UserFactory()
    Commenter.set_standing(banned, Commenter.Standing.BANNED)
    client.force_login(banned)

    page = client.get(article.get_absolute_url()).content.decode()
    response = post(client, article, text="Let me in")

    assert "Your account may not post comments on this site." in page
    assert 'id="commentform"' not in page
    assert response.status_code == 403
    assert "Let me in" in response.content.decode()
    assert Comment.objects.count() == 0


def test_a_trusted_reader_is_approved_and_followers_are_told(
    client, article, django_capture_on_commit_callbacks, run_tasks
):
    CommentFactory(article=article, followup=True, user_email="f@example.org")
    trusted = UserFactory()
    Commenter.set_standing(trusted, Commenter.Standing.TRUSTED)
    client.force_login(trusted)

    with django_capture_on_commit_callbacks(execute=True):
        post(client, article, text="Trusted words")
    run_tasks()

    assert Comment.objects.get(comment="Trusted words").is_public
    assert [message.to for message in mail.outbox] == [["f@example.org"]]


def test_a_held_comment_mails_each_moderator_once_with_reasons_and_the_queue(
    client, article, moderator, django_capture_on_commit_callbacks, run_tasks
):
    UserFactory(is_staff=True, email="editor@example.org")  # staff, not a moderator
    client.force_login(UserFactory())

    with django_capture_on_commit_callbacks(execute=True):
        post(client, article, text="Held text")
    # In the moderators' digest, at the end of the editor's interval (15 minutes).
    with time_machine.travel(timezone.now() + timedelta(minutes=15)):
        run_tasks()

    comment = Comment.objects.get()
    assert [message.to for message in mail.outbox] == [["mod@example.org"]]
    body = mail.outbox[0].body
    assert "first comment" in body
    assert f"http://testserver/admin/comments/comment/{comment.pk}/change/" in body


def test_the_author_is_mailed_once_when_a_moderator_approves(
    article, moderator, django_capture_on_commit_callbacks, run_tasks
):
    held = CommentFactory(article=article, held=True, user_email="author@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        services.approve(held, by=moderator)
        services.unapprove(held, by=moderator)
        services.approve(held, by=moderator)
    run_tasks()

    published = [m for m in mail.outbox if m.subject.startswith("Your comment")]
    assert [message.to for message in published] == [["author@example.org"]]


# Moderators in place ------------------------------------------------------------------


def test_a_moderator_sees_pending_comments_in_place_with_buttons(client, article, moderator):
    held = CommentFactory(article=article, held=True, comment="Pending words")
    held.moderation_reasons = ["first comment"]
    held.save()
    client.force_login(moderator)

    page = client.get(article.get_absolute_url()).content.decode()

    assert "Pending words" in page
    assert "Awaiting moderation: first comment." in page
    assert f'action="/comments/{held.pk}/moderate/"' in page
    assert 'value="approve"' in page


@pytest.mark.parametrize(
    ("action", "state"),
    [("approve", "approved"), ("spam", "spam"), ("remove", "removed")],
)
def test_a_moderator_decides_in_place(client, article, moderator, action, state):
    held = CommentFactory(article=article, held=True)
    client.force_login(moderator)

    response = client.post(f"/comments/{held.pk}/moderate/", {"action": action})

    assert response.status_code == 302
    held.refresh_from_db()
    assert held.state == state
    event = ModerationEvent.objects.get(comment=held, actor=moderator)
    assert event.action == action


def test_moderating_in_place_needs_a_csrf_token(article, moderator):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    held = CommentFactory(article=article, held=True)

    response = client.post(f"/comments/{held.pk}/moderate/", {"action": "approve"})

    assert response.status_code == 403
    held.refresh_from_db()
    assert held.is_public is False


def test_an_unknown_moderation_action_is_refused(client, article, moderator):
    held = CommentFactory(article=article, held=True)
    client.force_login(moderator)

    assert client.post(f"/comments/{held.pk}/moderate/", {"action": "delete"}).status_code == 400


# Parents and replies ------------------------------------------------------------------


def test_removing_a_parent_keeps_its_replies_under_a_placeholder(client, article, moderator):
    parent = CommentFactory(article=article, comment="Parent words")
    reply = CommentFactory(parent=parent, comment="Reply words")

    services.remove(parent, by=moderator)

    page = client.get(article.get_absolute_url()).content.decode()
    assert "This comment was removed." in page
    assert "Parent words" not in page
    assert "Reply words" in page
    reply.refresh_from_db()
    assert reply.is_public


def test_a_removed_comment_without_replies_leaves_no_trace(client, article, moderator):
    comment = CommentFactory(article=article)

    services.remove(comment, by=moderator)

    page = client.get(article.get_absolute_url()).content.decode()
    assert "This comment was removed." not in page
    assert f'id="c{comment.pk}"' not in page


def test_a_removed_top_level_comment_keeps_its_thread_listed(client, article, moderator):
    root = CommentFactory(article=article)
    CommentFactory(parent=root, comment="Still here")
    services.remove(root, by=moderator)

    page = client.get(article.get_absolute_url()).content.decode()

    assert f'id="c{root.pk}"' in page
    assert "Still here" in page


def test_restoring_gives_each_comment_its_own_state_back(moderator):
    root = CommentFactory()
    approved = CommentFactory(parent=root)
    held = CommentFactory(parent=approved, held=True)

    services.remove(approved, by=moderator)
    services.restore(approved, by=moderator)
    services.mark_spam(root, by=moderator)
    services.restore(root, by=moderator)

    for comment, state in [(root, "approved"), (approved, "approved"), (held, "pending")]:
        comment.refresh_from_db()
        assert comment.state == state


def test_a_held_comment_removed_then_restored_is_pending_again(moderator):
    held = CommentFactory(held=True)

    services.remove(held, by=moderator)
    services.restore(held, by=moderator)

    held.refresh_from_db()
    assert held.state == Comment.State.PENDING


def test_every_decision_is_recorded_and_nothing_deleted(moderator):
    comment = CommentFactory(held=True)

    services.approve(comment, by=moderator)
    services.unapprove(comment, by=moderator)
    services.approve(comment, by=moderator)
    services.mark_spam(comment, by=moderator)

    actions = list(
        ModerationEvent.objects.filter(comment=comment)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["approve", "unapprove", "approve", "spam"]
    assert Comment.objects.filter(pk=comment.pk).exists()


# Reports ------------------------------------------------------------------------------


def test_a_reader_reports_a_comment_once(client, article):
    comment = CommentFactory(article=article)
    reader = UserFactory()
    client.force_login(reader)

    first = client.post(f"/comments/{comment.pk}/report/", follow=True)
    client.post(f"/comments/{comment.pk}/report/")

    assert Report.objects.filter(comment=comment).count() == 1
    assert "the moderators will look at this comment" in first.content.decode()


def test_an_anonymous_report_goes_to_login_and_counts_nothing(client, article):
    comment = CommentFactory(article=article)

    response = client.post(f"/comments/{comment.pk}/report/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Report.objects.count() == 0


def test_reports_at_the_threshold_send_a_comment_back_to_pending(
    article, moderator, django_capture_on_commit_callbacks, run_tasks
):
    comment = CommentFactory(article=article)

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            services.report_comment(comment, UserFactory())
    run_tasks()

    comment.refresh_from_db()
    assert comment.state == Comment.State.PENDING
    assert comment.moderation_reasons == ["reported by readers"]
    assert [message.to for message in mail.outbox] == [["mod@example.org"]]
    assert "Readers reported a comment" in mail.outbox[0].body
    article.refresh_from_db()
    assert article.comment_count == 0


def test_two_reports_leave_a_comment_public(article):
    comment = CommentFactory(article=article)

    services.report_comment(comment, UserFactory())
    services.report_comment(comment, UserFactory())

    comment.refresh_from_db()
    assert comment.is_public


def test_the_report_threshold_follows_the_rules(article, discussion_rules):
    discussion_rules(report_threshold=1)
    comment = CommentFactory(article=article)

    services.report_comment(comment, UserFactory())

    comment.refresh_from_db()
    assert comment.state == Comment.State.PENDING


def test_a_reader_cannot_report_their_own_comment(client, article):
    author = UserFactory()
    comment = CommentFactory(article=article, user=author)
    client.force_login(author)

    client.post(f"/comments/{comment.pk}/report/")

    assert Report.objects.count() == 0


def test_a_held_comment_cannot_be_reported(client, article):
    held = CommentFactory(article=article, held=True)
    client.force_login(UserFactory())

    assert client.post(f"/comments/{held.pk}/report/").status_code == 404


# Bans and trust -----------------------------------------------------------------------


def test_ban_and_trust_are_recorded_in_the_audit_trail(moderator):
    reader = UserFactory()

    Commenter.set_standing(reader, Commenter.Standing.BANNED, by=moderator)
    Commenter.set_standing(reader, Commenter.Standing.TRUSTED, by=moderator)

    events = ModerationEvent.objects.filter(commenter=reader).order_by("id")
    assert [(e.actor, e.action) for e in events] == [
        (moderator, ModerationEvent.Action.BAN),
        (moderator, ModerationEvent.Action.TRUST),
    ]


# Rules in the admin apply at once ---------------------------------------------------


def test_a_new_depth_applies_to_the_next_reply(client, article, discussion_rules):
    parent = CommentFactory(article=article)
    child = CommentFactory(parent=parent)
    discussion_rules(thread_depth=2)
    client.force_login(UserFactory())

    response = post(client, article, reply_to=child.pk)

    assert response.status_code == 400
    assert "as deep as replies go" in response.content.decode()


def test_a_new_page_size_applies_to_the_next_page_view(client, article, discussion_rules):
    CommentFactory.create_batch(3, article=article)
    discussion_rules(top_level_per_page=2)

    page = client.get(article.get_absolute_url()).content.decode()

    assert "Page 1 of 2" in page


def test_newest_first_reverses_the_threads(client, article, discussion_rules):
    first = CommentFactory(article=article)
    second = CommentFactory(article=article)
    discussion_rules(order="newest")

    page = client.get(article.get_absolute_url()).content.decode()

    assert page.index(f'id="c{second.pk}"') < page.index(f'id="c{first.pk}"')


def test_a_new_length_limit_applies_to_the_next_comment(client, article, discussion_rules):
    discussion_rules(max_length=10)
    client.force_login(UserFactory())

    response = post(client, article, text="Eleven characters")

    assert response.status_code == 400
    assert "at most 10 characters" in response.content.decode()
