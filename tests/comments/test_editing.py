"""An author's own comment: editing it within the editor's window, with every earlier version
kept and the moderation policy applied again, and deleting it. The server decides every
refusal, whatever the page showed."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from blog.models import Article
from comments import services
from comments.admin import DiscussionSettingsAdmin
from comments.models import (
    Comment,
    Commenter,
    CommentRevision,
    DiscussionSettings,
    ModerationEvent,
    refresh_comment_count,
)
from comments.rules import DiscussionRules
from tests.blog.factories import ArticleFactory, UserFactory

from .factories import CommentFactory

pytestmark = pytest.mark.django_db

# Past the page cache, so that every request builds its page from the thread fragments.
RENDERED = {"Cache-Control": "no-cache"}
LINKS = "Sources: https://example.org/a and https://example.org/b"


@pytest.fixture
def article():
    return ArticleFactory(title="Kaesong")


@pytest.fixture
def author():
    return UserFactory(first_name="Min", last_name="Ji")


@pytest.fixture
def own(article, author):
    """The author's approved comment, just posted."""
    comment = CommentFactory(article=article, user=author, comment="The leaflets.")
    refresh_comment_count(article.pk)
    return comment


def reread(comment):
    return Comment.objects.get(pk=comment.pk)


def later(minutes):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes))


def events(comment):
    return list(
        ModerationEvent.objects.filter(comment=comment)
        .order_by("created_at", "id")
        .values_list("action", "actor", "reasons")
    )


def page_for(user, article):
    client = Client()
    if user is not None:
        client.force_login(user)
    html = client.get(article.get_absolute_url(), headers=RENDERED).content.decode()
    # A closed discussion has no Leave a Reply block.
    end = html.find('id="respond"')
    return html[html.index('id="comments"') : end if end != -1 else None]


# The setting ---------------------------------------------------------------------------


def test_the_edit_window_is_15_minutes_unless_the_editor_says_otherwise():
    assert DiscussionRules().edit_window_minutes == 15
    assert DiscussionSettings.load().as_rules().edit_window_minutes == 15


def test_the_edit_window_is_in_the_discussion_settings_page():
    fields = [
        name for _, options in DiscussionSettingsAdmin.fieldsets for name in options["fields"]
    ]
    assert "edit_window_minutes" in fields


# Editing: who, when, and what -----------------------------------------------------------


def test_the_author_edits_within_the_window_and_the_earlier_text_is_kept(own, author):
    outcome = services.edit_comment(own, author, "The leaflets, and the summit.")

    comment = reread(own)
    assert outcome.result is services.Result.EDITED
    assert comment.comment == "The leaflets, and the summit."
    assert "The leaflets, and the summit." in comment.body_html
    assert comment.edited_at is not None
    assert list(comment.revisions.values_list("previous_text", "editor")) == [
        ("The leaflets.", author.pk)
    ]


def test_every_edit_keeps_the_text_it_replaced_in_order(own, author):
    services.edit_comment(own, author, "Second")
    services.edit_comment(reread(own), author, "Third")

    assert list(reread(own).revisions.values_list("previous_text", flat=True)) == [
        "The leaflets.",
        "Second",
    ]


def test_an_edit_is_recorded_in_the_audit_trail_by_its_author(own, author):
    services.edit_comment(own, author, "Edited text")

    assert events(own)[-1][:2] == (ModerationEvent.Action.EDITED, author.pk)


def test_another_reader_may_not_edit_the_comment(own):
    outcome = services.edit_comment(own, UserFactory(), "Not mine")

    assert outcome.result is services.Result.REFUSED
    assert outcome.status == 403
    assert reread(own).comment == "The leaflets."
    assert not CommentRevision.objects.exists()


def test_the_author_may_not_edit_after_the_window(own, author):
    with later(16):
        outcome = services.edit_comment(own, author, "Too late")

    assert outcome.result is services.Result.REFUSED
    assert outcome.reason == "The time to edit this comment is over."
    assert reread(own).comment == "The leaflets."


def test_the_window_follows_the_editors_setting(own, author, discussion_rules):
    discussion_rules(edit_window_minutes=60)

    with later(30):
        outcome = services.edit_comment(own, author, "Within the hour")

    assert outcome.result is services.Result.EDITED


def test_a_window_of_0_turns_editing_off(own, author, discussion_rules):
    discussion_rules(edit_window_minutes=0)

    outcome = services.edit_comment(own, author, "Edited at once")

    assert outcome.result is services.Result.REFUSED
    assert outcome.reason == "Comments cannot be edited on this site."
    assert reread(own).comment == "The leaflets."


@pytest.mark.parametrize("decision", [services.remove, services.mark_spam])
def test_a_removed_or_spam_comment_may_not_be_edited(own, author, moderator, decision):
    decision(own, by=moderator)

    outcome = services.edit_comment(reread(own), author, "Let me back in")

    assert outcome.result is services.Result.REFUSED
    assert reread(own).comment == "The leaflets."


def test_an_anonymous_visitor_is_asked_to_log_in(own):
    outcome = services.edit_comment(own, AnonymousUser(), "Who am I")

    assert outcome.result is services.Result.LOGIN_REQUIRED


def test_a_banned_author_may_not_edit(own, author, moderator):
    Commenter.set_standing(author, Commenter.Standing.BANNED, by=moderator)

    outcome = services.edit_comment(own, author, "Banned words")

    assert outcome.result is services.Result.REFUSED
    assert outcome.status == 403


@pytest.mark.parametrize("text", ["   ", "x" * 5001])
def test_an_empty_or_too_long_edit_is_refused_with_the_form(own, author, text):
    outcome = services.edit_comment(own, author, text)

    assert outcome.result is services.Result.REFUSED
    assert outcome.form.errors["comment"]
    assert reread(own).comment == "The leaflets."


def test_the_same_text_again_records_nothing(own, author):
    outcome = services.edit_comment(own, author, "The leaflets.")

    assert outcome.result is services.Result.EDITED
    assert reread(own).edited_at is None
    assert not CommentRevision.objects.exists()


# Editing: the moderation policy again ---------------------------------------------------


def test_adding_links_sends_an_approved_comment_back_to_pending_with_the_reason(
    own, author, article
):
    outcome = services.edit_comment(own, author, LINKS)

    comment = reread(own)
    assert comment.state == Comment.State.PENDING
    assert outcome.message == services.EDIT_AWAITING_MODERATION
    assert comment.moderation_reasons == ["held after an edit", "2 links"]
    assert events(own)[-1] == (
        ModerationEvent.Action.EDIT_HELD,
        author.pk,
        ["held after an edit", "2 links"],
    )
    assert Article.objects.get(pk=article.pk).comment_count == 0


def test_a_disallowed_word_in_an_edit_sends_the_comment_to_spam(own, author, discussion_rules):
    discussion_rules(disallowed_words="casino")

    services.edit_comment(own, author, "Visit the casino")

    assert reread(own).state == Comment.State.SPAM
    assert events(own)[-1][0] == ModerationEvent.Action.EDIT_SPAM


def test_the_flood_rule_does_not_refuse_an_edit(own, author, discussion_rules):
    discussion_rules(flood_interval=3600)

    outcome = services.edit_comment(own, author, "Edited at once")

    assert outcome.result is services.Result.EDITED
    assert reread(own).comment == "Edited at once"


def test_a_held_comment_edited_stays_held(article, author):
    held = CommentFactory(article=article, user=author, held=True)

    services.edit_comment(held, author, "Still waiting")

    comment = reread(held)
    assert comment.state == Comment.State.PENDING
    assert comment.comment == "Still waiting"
    assert comment.moderation_reasons == ["held after an edit", "first comment"]


def test_a_comment_held_after_an_edit_is_in_the_moderators_digest(own, author):
    services.edit_comment(own, author, LINKS)

    assert reread(own).held_notice is not None


# Editing: no follow-up email again --------------------------------------------------------


@pytest.fixture
def follower(article):
    return CommentFactory(article=article, followup=True, user_email="follower@example.org")


def test_followers_are_not_emailed_for_an_edit(
    own, author, follower, django_capture_on_commit_callbacks, run_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_comment(own, author, "Edited, still approved")
    run_tasks()

    assert mail.outbox == []


def test_approving_an_edit_that_was_held_emails_neither_followers_nor_author(
    own, author, follower, moderator, django_capture_on_commit_callbacks, run_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.edit_comment(own, author, LINKS)
        services.approve(reread(own), by=moderator)
    run_tasks()

    assert reread(own).state == Comment.State.APPROVED
    assert [m for m in mail.outbox if m.to != ["mod@example.org"]] == []


def test_a_held_comment_an_edit_makes_public_reaches_followers_once(
    article, author, follower, discussion_rules, django_capture_on_commit_callbacks, run_tasks
):
    discussion_rules(manual_approval=False)
    held = CommentFactory(article=article, user=author, held=True, comment=LINKS)

    with django_capture_on_commit_callbacks(execute=True):
        services.edit_comment(held, author, "No links after all")
    run_tasks()

    assert reread(held).state == Comment.State.APPROVED
    assert [message.to for message in mail.outbox] == [["follower@example.org"]]


def test_a_held_first_comment_edited_then_approved_still_reaches_followers(
    article, author, follower, moderator, django_capture_on_commit_callbacks, run_tasks
):
    held = CommentFactory(article=article, user=author, held=True)

    with django_capture_on_commit_callbacks(execute=True):
        services.edit_comment(held, author, "Better words")
        services.approve(reread(held), by=moderator)
    run_tasks()

    assert ["follower@example.org"] in [message.to for message in mail.outbox]


# Deleting ---------------------------------------------------------------------------------


def test_a_comment_without_replies_is_deleted_and_recorded(own, author, article):
    outcome = services.delete_own_comment(own, author)

    assert outcome.result is services.Result.DELETED
    assert outcome.comment is None
    assert not Comment.objects.filter(pk=own.pk).exists()
    assert Article.objects.get(pk=article.pk).comment_count == 0
    event = ModerationEvent.objects.get(action=ModerationEvent.Action.AUTHOR_DELETED)
    assert (event.actor, event.comment) == (author, None)
    assert event.reasons == [f"comment {own.pk} on article {article.pk}"]


def test_deleting_a_reply_keeps_its_ancestors_reply_counts_right(article, author):
    root = CommentFactory(article=article)
    middle = CommentFactory(parent=root)
    reply = CommentFactory(parent=middle, user=author)
    assert reread(root).nested_count == 2

    services.delete_own_comment(reread(reply), author)

    assert reread(root).nested_count == 1
    assert reread(middle).nested_count == 0
    # The thread takes a new reply after the gap as before.
    CommentFactory(parent=reread(middle))
    assert reread(root).nested_count == 2


def test_a_comment_with_replies_stays_as_removed_by_its_author(own, author, article):
    reply = CommentFactory(parent=own, comment="A public reply")
    refresh_comment_count(article.pk)

    outcome = services.delete_own_comment(reread(own), author)

    comment = reread(own)
    assert outcome.comment == comment
    assert (comment.state, comment.removed_by_author) == (Comment.State.REMOVED, True)
    assert events(own)[-1][:2] == (ModerationEvent.Action.AUTHOR_REMOVED, author.pk)
    assert Article.objects.get(pk=article.pk).comment_count == 1
    page = page_for(UserFactory(), article)
    assert "This comment was removed by its author." in page
    assert "The leaflets." not in page
    assert f'id="c{reply.pk}"' in page


def test_a_moderators_removal_keeps_its_own_placeholder(own, moderator, article):
    CommentFactory(parent=own)

    services.remove(reread(own), by=moderator)

    page = page_for(None, article)
    assert "This comment was removed." in page
    assert "by its author" not in page


def test_an_author_may_delete_after_the_edit_window(own, author):
    with later(60 * 24):
        outcome = services.delete_own_comment(own, author)

    assert outcome.result is services.Result.DELETED


def test_another_reader_may_not_delete_the_comment(own):
    outcome = services.delete_own_comment(own, UserFactory())

    assert outcome.result is services.Result.REFUSED
    assert outcome.status == 403
    assert Comment.objects.filter(pk=own.pk).exists()


def test_the_author_may_not_delete_what_a_moderator_removed(own, author, moderator):
    services.remove(own, by=moderator)

    outcome = services.delete_own_comment(reread(own), author)

    assert outcome.result is services.Result.REFUSED
    assert reread(own).removed_by_author is False


def test_no_moderator_restores_what_its_author_removed(own, author, moderator):
    CommentFactory(parent=own)
    services.delete_own_comment(reread(own), author)

    comment = reread(own)
    assert "restore" not in [decision.name for decision in services.decisions_for(comment)]
    assert services.restore(comment, by=moderator) is False
    assert reread(own).state == Comment.State.REMOVED


# The pages ---------------------------------------------------------------------------------


def edit_links(html):
    return re.findall(r'class="comment__edit" href="/comments/(\d+)/edit/"', html)


def test_the_author_sees_edit_on_their_comment_while_the_window_is_open(own, author, article):
    assert edit_links(page_for(author, article)) == [str(own.pk)]
    with later(16):
        assert edit_links(page_for(author, article)) == []


def close(article):
    article.allow_comments = False
    article.save()


def test_the_author_sees_no_edit_once_comments_close_but_may_still_delete(own, author, article):
    close(article)

    html = page_for(author, article)

    assert edit_links(html) == []
    assert f'href="/comments/{own.pk}/delete/"' in html


def test_a_banned_author_sees_no_edit_but_may_still_delete(own, author, article, moderator):
    Commenter.set_standing(author, Commenter.Standing.BANNED, by=moderator)

    html = page_for(author, article)

    assert edit_links(html) == []
    assert f'href="/comments/{own.pk}/delete/"' in html


def test_the_edit_page_of_a_closed_article_refuses_before_showing_the_form(
    client, own, author, article
):
    close(article)
    client.force_login(author)

    response = client.get(reverse("comments:edit", args=[own.pk]))

    assert response.status_code == 403
    assert "Comments are closed on this article." in response.content.decode()
    assert "<textarea" not in response.content.decode()


def test_no_other_viewer_sees_edit_or_delete(own, article, moderator):
    for viewer in (None, UserFactory(), moderator):
        html = page_for(viewer, article)
        assert edit_links(html) == []
        assert "comment__delete" not in html


def test_the_edit_page_shows_the_text_and_until_when(client, own, author):
    client.force_login(author)

    response = client.get(reverse("comments:edit", args=[own.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert ">The leaflets.</textarea>" in page
    deadline = timezone.localtime(own.submit_date + timedelta(minutes=15))
    assert f'You can edit this comment until <time datetime="{deadline.isoformat()}">' in page


# Transactional: the content version is bumped when the edit commits.
@pytest.mark.django_db(transaction=True)
def test_saving_the_edit_page_shows_edited_with_the_time_to_every_reader(
    client, own, author, article
):
    reader = UserFactory()
    assert "edited" not in page_for(reader, article)  # cached for readers before the edit
    client.force_login(author)

    response = client.post(reverse("comments:edit", args=[own.pk]), {"comment": "New text"})

    assert response.status_code == 302
    assert response.url.endswith(f"#c{own.pk}")
    edited_at = timezone.localtime(reread(own).edited_at)
    for viewer in (reader, author, None):
        html = page_for(viewer, article)
        assert "New text" in html
        assert f'edited <time datetime="{edited_at.isoformat()}">' in html


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_edit_page_refuses_another_reader(client, own, method):
    client.force_login(UserFactory())

    response = getattr(client, method)(
        reverse("comments:edit", args=[own.pk]), {"comment": "Not mine"}
    )

    assert response.status_code == 403
    assert "Only its author can edit a comment." in response.content.decode()
    assert reread(own).comment == "The leaflets."


def test_the_edit_page_refuses_a_post_after_the_window(client, own, author):
    client.force_login(author)

    with later(16):
        response = client.post(reverse("comments:edit", args=[own.pk]), {"comment": "Late"})

    assert response.status_code == 403
    assert reread(own).comment == "The leaflets."


def test_the_edit_page_asks_an_anonymous_visitor_to_log_in(client, own):
    response = client.post(reverse("comments:edit", args=[own.pk]), {"comment": "Anon"})

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert reread(own).comment == "The leaflets."


def test_a_removed_comment_has_no_edit_page(client, own, author, moderator):
    services.remove(own, by=moderator)
    client.force_login(author)

    assert client.get(reverse("comments:edit", args=[own.pk])).status_code == 404


def test_the_delete_page_asks_then_deletes(client, own, author, article):
    client.force_login(author)
    url = reverse("comments:delete", args=[own.pk])

    asked = client.get(url)
    response = client.post(url)

    assert "It will be deleted for good." in asked.content.decode()
    assert response.status_code == 302
    assert response.url == article.get_absolute_url() + "#comments"
    assert not Comment.objects.filter(pk=own.pk).exists()


def test_the_delete_page_refuses_another_reader(client, own):
    client.force_login(UserFactory())

    response = client.post(reverse("comments:delete", args=[own.pk]))

    assert response.status_code == 403
    assert Comment.objects.filter(pk=own.pk).exists()


def test_moderators_see_every_earlier_version_on_the_comments_admin_page(
    client, own, author, moderator
):
    services.edit_comment(own, author, "Second")
    services.edit_comment(reread(own), author, "Third")
    client.force_login(moderator)

    page = client.get(reverse("admin:comments_comment_change", args=[own.pk])).content.decode()

    versions = page[page.index('id="revisions-group"') : page.index('id="reports-group"')]
    texts = re.findall(r'<td class="field-previous_text">\s*<p>(.*?)</p>', versions)
    editors = re.findall(r'<td class="field-replaced_by">\s*<p>(.*?)</p>', versions)
    assert texts == ["The leaflets.", "Second"]
    assert editors == [author.username, author.username]
    assert "Edited by its author" in page
