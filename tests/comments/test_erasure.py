"""A reader erases their account (or staff do, on a request received by mail): comments
anonymised or removed as the editor chose, the person gone everywhere, the audit trail kept
with a tombstone in their place."""

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.mail import EmailMessage
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from blog.models import Article, ContentVersion
from comments import erasure
from comments.models import (
    Comment,
    Commenter,
    CommentRevision,
    ModerationEvent,
    Report,
    refresh_comment_count,
)
from comments.notifications import message_as_data, send_email
from comments.rules import ANONYMISE, FORMER_READER, REMOVE
from tests.blog.factories import ArticleFactory, StaffFactory, UserFactory

from .factories import CommentFactory
from .readers import PASSWORD, reader_with_everything

pytestmark = pytest.mark.django_db

User = get_user_model()
NO_CACHE = {"HTTP_CACHE_CONTROL": "no-cache"}


@pytest.fixture
def reader():
    return reader_with_everything()


@pytest.fixture
def remove_mode(discussion_rules):
    discussion_rules(erasure=REMOVE)


def erase_on_the_site(client, user, password=PASSWORD):
    client.force_login(user)
    return client.post(reverse("account_erase"), {"password": password})


def fresh(comment):
    return Comment.objects.get(pk=comment.pk)


# The rules ----------------------------------------------------------------------------------


def test_comments_are_anonymised_by_default(discussion_rules):
    assert discussion_rules().erasure == ANONYMISE


# From the account page -----------------------------------------------------------------------


def test_the_page_asks_for_the_password_and_says_what_becomes_of_comments(client, reader):
    client.force_login(reader.user)

    html = client.get(reverse("account_erase")).content.decode()

    assert 'name="password"' in html
    assert f"signed “{FORMER_READER}”" in html


def test_the_page_says_comments_are_removed_when_the_editor_chose_so(client, reader, remove_mode):
    client.force_login(reader.user)

    html = client.get(reverse("account_erase")).content.decode()

    assert "Your comments are removed, text and all." in html


def test_the_right_password_erases_logs_out_and_says_so(client, reader):
    response = erase_on_the_site(client, reader.user)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_erased")
    assert not User.objects.filter(pk=reader.user.pk).exists()
    assert "_auth_user_id" not in client.session
    assert "was erased" in client.get(response["Location"]).content.decode()


def test_a_wrong_password_erases_nothing(client, reader):
    response = erase_on_the_site(client, reader.user, password="not my password")

    assert response.status_code == 200
    assert "This is not your password." in response.content.decode()
    assert User.objects.filter(pk=reader.user.pk).exists()
    assert fresh(reader.approved).user_name == "Hortensia Quillfeather"


def test_the_erasure_needs_the_csrf_token(reader):
    client = Client(enforce_csrf_checks=True)

    assert erase_on_the_site(client, reader.user).status_code == 403
    assert User.objects.filter(pk=reader.user.pk).exists()


def test_an_account_without_a_password_reauthenticates_through_allauth(client, reader):
    reader.user.set_unusable_password()
    reader.user.save()
    client.force_login(reader.user)

    response = client.post(reverse("account_erase"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_request_reauthentication_code"))
    assert User.objects.filter(pk=reader.user.pk).exists()


def test_staff_accounts_are_not_erased_from_the_site(client):
    staff = StaffFactory()
    client.force_login(staff)

    response = client.post(reverse("account_erase"), {"password": PASSWORD})

    assert "another administrator" in response.content.decode()
    assert User.objects.filter(pk=staff.pk).exists()


def test_every_session_of_the_reader_is_deleted_and_others_kept(client, reader):
    other_device, someone_else = Client(), Client()
    other_device.force_login(reader.user)
    someone_else.force_login(UserFactory())

    erase_on_the_site(client, reader.user)

    assert Session.objects.count() == 1
    assert someone_else.session.session_key == Session.objects.get().session_key
    assert "_auth_user_id" not in other_device.get(reverse("account_email")).wsgi_request.session


# What becomes of the comments ----------------------------------------------------------------


def test_anonymised_comments_keep_their_text_and_lose_the_person(client, reader):
    erase_on_the_site(client, reader.user)

    comment = fresh(reader.approved)
    assert comment.comment == "The leaflets were only the pretext."
    assert "The leaflets were only the pretext." in comment.body_html
    assert (comment.user_id, comment.user_name, comment.user_email) == (None, FORMER_READER, "")
    assert (comment.user_url, comment.ip_address, comment.followup) == ("", None, False)
    assert comment.submission_key is None
    # Each keeps its state.
    assert [fresh(c).state for c in (reader.approved, reader.held, reader.spam)] == [
        "approved",
        "pending",
        "spam",
    ]


def test_an_anonymised_comment_is_signed_a_former_reader_on_its_article(client, reader):
    erase_on_the_site(client, reader.user)

    html = client.get(reader.article.get_absolute_url(), **NO_CACHE).content.decode()

    assert f'<bdi class="comment__author">{FORMER_READER}</bdi>' in html
    assert "The leaflets were only the pretext." in html
    assert "Hortensia" not in html


def test_removed_comments_lose_their_text_and_their_count(client, reader, remove_mode):
    refresh_comment_count(reader.article.pk)
    assert Article.objects.get(pk=reader.article.pk).comment_count == 2

    erase_on_the_site(client, reader.user)

    comment = fresh(reader.approved)
    assert (comment.comment, comment.body_html, comment.is_removed) == ("", "", True)
    assert comment.user_name == FORMER_READER
    assert fresh(reader.spam).state == "spam"
    assert Article.objects.get(pk=reader.article.pk).comment_count == 1


def test_a_reply_to_a_removed_comment_stays_under_its_placeholder(client, reader, remove_mode):
    CommentFactory(parent=reader.approved, comment="A reply that stays.")

    erase_on_the_site(client, reader.user)

    html = client.get(reader.article.get_absolute_url(), **NO_CACHE).content.decode()
    assert "This comment was removed." in html
    assert "A reply that stays." in html
    assert "The leaflets were only the pretext." not in html


# Committed for real: the bump happens once the erasure's own transaction commits.
@pytest.mark.django_db(transaction=True)
def test_the_content_version_is_bumped(client, reader):
    before = ContentVersion.current()[0]

    erase_on_the_site(client, reader.user)

    assert ContentVersion.current()[0] > before


# The person, everywhere else -------------------------------------------------------------------


def test_accounts_addresses_tokens_reports_and_standing_go(client, reader):
    erase_on_the_site(client, reader.user)

    assert not EmailAddress.objects.filter(email__icontains="quill").exists()
    assert not SocialAccount.objects.exists()
    assert not SocialToken.objects.exists()
    assert not Report.objects.exists()
    assert not Commenter.objects.exists()


def test_the_audit_trail_keeps_its_events_with_the_tombstone(client, reader):
    events_before = ModerationEvent.objects.count()

    erase_on_the_site(client, reader.user)

    tombstone = User.objects.get(username=erasure.TOMBSTONE_USERNAME)
    assert not tombstone.is_active
    assert not tombstone.has_usable_password()
    trust = ModerationEvent.objects.get(action=ModerationEvent.Action.TRUST)
    assert (trust.commenter, trust.actor) == (tombstone, reader.moderator)
    # The note named the reader.
    assert trust.reasons == [erasure.ERASED]
    # One event per comment, and one about the person.
    assert ModerationEvent.objects.count() == events_before + 3 + 1


def test_each_comment_records_its_erasure(client, reader):
    erase_on_the_site(client, reader.user)

    event = fresh(reader.approved).events.get(action=ModerationEvent.Action.ERASE)
    assert event.actor.get_username() == erasure.TOMBSTONE_USERNAME
    assert event.reasons == ["comment anonymised"]


def test_the_erasure_itself_is_recorded_by_the_reader_now_a_tombstone(client, reader):
    erase_on_the_site(client, reader.user)

    event = ModerationEvent.objects.get(action=ModerationEvent.Action.ERASE, comment=None)
    assert event.commenter.get_username() == erasure.TOMBSTONE_USERNAME
    assert event.actor == event.commenter
    assert event.reasons == [erasure.ON_THE_SITE, "3 comments anonymised"]


def test_decisions_the_reader_took_as_a_moderator_stay_with_the_tombstone(client, reader):
    CommentFactory(article=reader.article).record_decision(
        ModerationEvent.Action.REMOVE, by=reader.user
    )

    erase_on_the_site(client, reader.user)

    removal = ModerationEvent.objects.get(action=ModerationEvent.Action.REMOVE)
    assert removal.actor.get_username() == erasure.TOMBSTONE_USERNAME


def test_policy_reasons_naming_the_reader_are_scrubbed(client, reader):
    Comment.objects.filter(pk=reader.held.pk).update(
        moderation_reasons=["word: hortensia.quill@example.net", "first comment"]
    )

    erase_on_the_site(client, reader.user)

    assert fresh(reader.held).moderation_reasons == [erasure.ERASED, "first comment"]


def test_the_admin_log_no_longer_names_the_reader(client, reader):
    entry = LogEntry.objects.create(
        user=reader.moderator,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(reader.user.pk),
        object_repr=str(reader.user),
        action_flag=CHANGE,
        change_message="[]",
    )

    erase_on_the_site(client, reader.user)

    assert LogEntry.objects.get(pk=entry.pk).object_repr == erasure.ERASED


def test_every_relation_to_a_user_is_one_the_erasure_knows():
    """A new model pointing at users must be looked at by comments/erasure.py: this lists
    what it relies on (deleted with the user, reassigned to the tombstone, or refused)."""
    relations = {
        f"{field.related_model._meta.label}.{field.field.name}": field.on_delete.__name__
        for field in User._meta.related_objects
    }

    assert relations == {
        # Refused: staff and article authors are not erased.
        "admin.LogEntry.user": "CASCADE",
        "blog.Article.author": "PROTECT",
        "blog.Image.uploaded_by": "SET_NULL",
        "reversion.Revision.user": "SET_NULL",
        # Deleted with the user.
        "account.EmailAddress.user": "CASCADE",
        "socialaccount.SocialAccount.user": "CASCADE",
        "django_comments.CommentFlag.user": "CASCADE",
        "comments.Report.reporter": "CASCADE",
        "comments.Commenter.user": "CASCADE",
        # Emptied first (comments), or handed to the tombstone (the audit trail).
        "django_comments.Comment.user": "SET_NULL",
        "comments.ModerationEvent.commenter": "CASCADE",
        "comments.ModerationEvent.actor": "SET_NULL",
        "comments.CommentRevision.editor": "SET_NULL",
    }


# By staff, from the admin ----------------------------------------------------------------------


def admin_erase(client, users, confirmed=True):
    data = {"action": "erase_readers", "_selected_action": [user.pk for user in users]}
    if confirmed:
        data["confirmed"] = "yes"
    return client.post(reverse("admin:auth_user_changelist"), data)


def test_the_admin_action_first_asks_to_confirm(client, reader):
    client.force_login(StaffFactory())

    response = admin_erase(client, [reader.user], confirmed=False)

    assert response.status_code == 200
    assert "Yes, erase them" in response.content.decode()
    assert User.objects.filter(pk=reader.user.pk).exists()


def test_the_admin_action_erases_and_is_audited_with_the_staff_member(client, reader):
    staff = StaffFactory(username="the-editor")
    client.force_login(staff)

    response = admin_erase(client, [reader.user])

    assert response.status_code == 302
    assert not User.objects.filter(pk=reader.user.pk).exists()
    assert fresh(reader.approved).user_name == FORMER_READER
    event = ModerationEvent.objects.get(action=ModerationEvent.Action.ERASE, comment=None)
    assert event.actor == staff
    assert event.commenter.get_username() == erasure.TOMBSTONE_USERNAME
    assert event.reasons == [erasure.BY_MAIL, "3 comments anonymised"]
    assert fresh(reader.approved).events.get(action=ModerationEvent.Action.ERASE).actor == staff


def test_the_admin_action_refuses_staff_and_says_so(client):
    client.force_login(StaffFactory())
    other_staff = StaffFactory()

    response = admin_erase(client, [other_staff])

    assert User.objects.filter(pk=other_staff.pk).exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages[0] == "0 accounts erased."
    assert "another administrator" in messages[1]


def test_an_article_author_is_refused(client):
    author = UserFactory()
    ArticleFactory(author=author)

    with pytest.raises(erasure.ErasureRefused, match="author of articles"):
        erasure.erase_reader(author)

    assert User.objects.filter(pk=author.pk).exists()


def test_staff_without_the_right_to_delete_users_are_not_offered_the_action(client, reader):
    moderator = UserFactory(is_staff=True)
    moderator.user_permissions.add(*_user_admin_permissions("view", "change"))
    client.force_login(moderator)

    response = client.get(reverse("admin:auth_user_changelist"))

    assert "erase_readers" not in response.content.decode()


def _user_admin_permissions(*actions):
    return Permission.objects.filter(
        content_type__app_label="auth", codename__in=[f"{a}_user" for a in actions]
    )


def test_the_tombstone_cannot_be_deleted_in_the_admin(client, reader):
    erasure.erase_reader(reader.user)
    tombstone = User.objects.get(username=erasure.TOMBSTONE_USERNAME)
    client.force_login(StaffFactory())

    response = client.post(reverse("admin:auth_user_delete", args=[tombstone.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert User.objects.filter(pk=tombstone.pk).exists()


def queued_email(to, body):
    return send_email.enqueue(message_as_data(EmailMessage("New comment", body, to=[to]))).id


def test_emails_to_or_about_the_reader_go_and_others_stay(reader):
    short = UserFactory(username="al", first_name="", last_name="", email="al@example.net")
    CommentFactory(article=reader.article, user=short, comment="Short name.")
    queued_email("al@example.net", "Hi al, a new comment.")
    queued_email("ada@example.org", "al wrote: Short name.")
    # "al" is in "approval", and in "Kaesong liaison", but names nobody there.
    unrelated = queued_email("ada@example.org", "Your comment awaits approval (liaison).")

    erasure.erase_reader(short)

    assert [str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)] == [unrelated]


def edited(comment, user):
    """The reader's comment edited once: its earlier text kept as a revision by them."""
    return CommentRevision.objects.create(
        comment=comment, previous_text=comment.comment, editor=user
    )


def test_an_anonymised_comments_earlier_texts_stay_edited_by_the_tombstone(client, reader):
    revision = edited(reader.approved, reader.user)

    erase_on_the_site(client, reader.user)

    revision.refresh_from_db()
    assert revision.editor.get_username() == "former reader"


def test_a_removed_comments_earlier_texts_go_with_it(client, reader, remove_mode):
    edited(reader.approved, reader.user)

    erase_on_the_site(client, reader.user)

    assert not CommentRevision.objects.filter(comment=reader.approved).exists()
