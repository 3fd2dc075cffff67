"""A reader downloads everything Liaison holds about them, from their account page."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from comments.models import Commenter, ModerationEvent
from tests.blog.factories import UserFactory

from .factories import CommentFactory
from .readers import IP, reader_with_everything

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return reader_with_everything()


def download(client, user):
    client.force_login(user)
    return client.post(reverse("account_data"))


def downloaded(client, user):
    return json.loads(download(client, user).content)


def test_the_page_explains_and_offers_the_download_and_the_erasure(client, reader):
    client.force_login(reader.user)

    html = client.get(reverse("account_data")).content.decode()

    assert "Download your data" in html
    assert f'<a href="{reverse("account_erase")}">Erase your account…</a>' in html
    assert f'<a href="{reverse("account_data")}" aria-current="page">Your data</a>' in html


def test_the_menu_of_every_account_page_links_your_data(client, reader):
    client.force_login(reader.user)

    html = client.get(reverse("account_email")).content.decode()

    assert f'<a href="{reverse("account_data")}">Your data</a>' in html


def test_a_reader_not_logged_in_is_sent_to_log_in(client):
    response = client.post(reverse("account_data"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_download_is_a_json_attachment_never_cached(client, reader):
    response = download(client, reader.user)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="liaison-data-')
    assert "no-store" in response["Cache-Control"]


def test_the_download_needs_the_csrf_token(reader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader.user)

    assert client.post(reverse("account_data")).status_code == 403


def test_a_get_shows_the_page_and_downloads_nothing(client, reader):
    client.force_login(reader.user)

    response = client.get(reverse("account_data"))

    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response


def test_the_account(client, reader):
    account = downloaded(client, reader.user)["account"]

    assert account["username"] == "hortensia-q"
    assert (account["first_name"], account["last_name"]) == ("Hortensia", "Quillfeather")
    assert account["email"] == "hortensia.quill@example.net"
    assert account["date_joined"] == reader.user.date_joined.isoformat()
    # force_login logged them in: the download says when.
    assert account["last_login"] is not None


def test_every_email_address(client, reader):
    addresses = downloaded(client, reader.user)["email_addresses"]

    assert addresses == [
        {"email": "h.quill.second@example.org", "verified": False, "primary": False},
        {"email": "hortensia.quill@example.net", "verified": True, "primary": True},
    ]


def test_every_comment_with_its_state_text_article_and_address(client, reader):
    comments = {c["id"]: c for c in downloaded(client, reader.user)["comments"]}

    assert set(comments) == {reader.approved.pk, reader.held.pk, reader.spam.pk}
    approved = comments[reader.approved.pk]
    assert approved["state"] == "approved"
    assert approved["text"] == "The leaflets were only the pretext."
    assert approved["article"]["title"] == "Kaesong liaison office"
    assert approved["article"]["url"] == ("http://testserver" + reader.article.get_absolute_url())
    assert approved["ip_address"] == IP
    assert approved["email"] == "hortensia.quill@example.net"
    assert approved["name"] == "Hortensia Quillfeather"
    assert approved["followup"] is True
    assert comments[reader.held.pk]["state"] == "pending"
    assert comments[reader.held.pk]["moderation_reasons"] == []
    assert comments[reader.spam.pk]["state"] == "spam"


def test_a_reply_names_the_comment_it_answers(client, reader):
    reply = CommentFactory(parent=reader.reported, user=reader.user, comment="I disagree.")

    comments = {c["id"]: c for c in downloaded(client, reader.user)["comments"]}

    assert comments[reply.pk]["in_reply_to"] == reader.reported.pk
    assert comments[reader.approved.pk]["in_reply_to"] is None


def test_the_reports_they_made(client, reader):
    reports = downloaded(client, reader.user)["reports"]

    assert [(r["comment_id"], r["article"]["title"]) for r in reports] == [
        (reader.reported.pk, "Kaesong liaison office")
    ]


def test_the_articles_they_follow(client, reader):
    followups = downloaded(client, reader.user)["followups"]

    assert [f["article"]["title"] for f in followups] == ["Kaesong liaison office"]


def test_social_accounts_with_what_the_provider_sent(client, reader):
    accounts = downloaded(client, reader.user)["social_accounts"]

    assert [(a["provider"], a["uid"]) for a in accounts] == [("github", "98765432")]
    assert accounts[0]["extra_data"]["login"] == "hquill"
    # The token is a credential, not data about the reader: it is never handed out.
    assert "gho_secret-token-of-hortensia" not in json.dumps(accounts)


def test_their_standing_and_the_decisions_about_them_without_naming_moderators(client, reader):
    Commenter.set_standing(reader.user, Commenter.Standing.BANNED, by=reader.moderator)

    data = downloaded(client, reader.user)

    assert data["commenter_standing"]["standing"] == "banned"
    assert data["commenter_standing"]["note"] == "Hortensia Quillfeather writes well"
    assert [(e["action"], e["by"]) for e in data["moderation_events"]] == [
        (ModerationEvent.Action.TRUST, "a moderator"),
        (ModerationEvent.Action.BAN, "a moderator"),
    ]
    assert "the-moderator" not in json.dumps(data)


def test_a_reader_who_never_commented_gets_empty_lists(client):
    data = downloaded(client, UserFactory())

    assert data["comments"] == data["reports"] == data["followups"] == []
    assert data["social_accounts"] == data["moderation_events"] == []
    assert data["commenter_standing"]["standing"] == "rules"


def test_nothing_of_another_reader(client, reader):
    CommentFactory(article=reader.article, comment="Written by someone else.", ip_address=IP)

    data = downloaded(client, reader.user)

    assert "Written by someone else." not in json.dumps(data)
    assert "Another reader's view." not in json.dumps(data)
