"""Social login end to end against an OpenID Connect provider running on 127.0.0.1.

The test client plays the browser; the provider is a real HTTP server in a thread, so
allauth's own server-side calls (discovery, token, userinfo) go over a socket to it.
"""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from .flows import logged_in_user_id
from .oidc_provider import FakeOpenIDProvider

pytestmark = pytest.mark.django_db

CLIENT_ID = "liaison-tests"
CLIENT_SECRET = "liaison-tests-secret"
PROVIDER_ID = "liaison-id"  # the app's own id: it names the provider in URLs and accounts


@pytest.fixture
def provider(settings, monkeypatch):
    # A proxy named in the environment must not carry calls to 127.0.0.1 off the machine.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    user = {
        "sub": "248289761001",
        "email": "jane@id.example",
        "email_verified": True,
        "preferred_username": "jane",
        "name": "Jane Doe",
        "given_name": "Jane",
        "family_name": "Doe",
    }
    with FakeOpenIDProvider(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, user=user) as fake:
        settings.SOCIALACCOUNT_PROVIDERS = {
            "openid_connect": {
                "APPS": [
                    {
                        "provider_id": PROVIDER_ID,
                        "name": "Liaison ID",
                        "client_id": CLIENT_ID,
                        "secret": CLIENT_SECRET,
                        "settings": {"server_url": fake.issuer},
                    }
                ]
            }
        }
        yield fake


def log_in_from_the_article(client, article, provider):
    """A reader's way through: the icon under Leave a Reply, the confirmation page's button,
    the provider (where the browser follows /authorize back to the site), the callback."""
    page = client.get(article.get_absolute_url()).content.decode()
    icon_link = re.search(
        r'<a class="login-choice login-choice--openid_connect" href="([^"]+)"', page
    )
    login_url = unescape(icon_link.group(1))
    assert client.get(login_url).status_code == 200  # no login on a GET: a page with a button

    to_provider = client.post(login_url)
    assert to_provider.status_code == 302
    authorize_url = to_provider["Location"]
    assert authorize_url.startswith(f"{provider.issuer}/authorize?")

    at_provider = requests.get(authorize_url, allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302, at_provider.text
    callback = urlsplit(at_provider.headers["Location"])
    assert callback.path == reverse("openid_connect_callback", kwargs={"provider_id": PROVIDER_ID})
    return client.get(callback.path, parse_qs(callback.query))


def test_logging_in_with_the_provider_creates_the_reader_and_returns_to_the_article(
    client, provider, article, respond_url
):
    response = log_in_from_the_article(client, article, provider)

    assert response.status_code == 302
    assert response["Location"] == respond_url
    account = SocialAccount.objects.get(provider=PROVIDER_ID, uid="248289761001")
    assert logged_in_user_id(client) == str(account.user_id)
    assert (account.user.username, account.user.email) == ("jane", "jane@id.example")
    # allauth asked the provider itself, over the socket, for the tokens and the profile.
    assert [request for request in provider.requests if request[0] == "POST"] == [
        ("POST", "/token")
    ]
    assert ("GET", "/userinfo") in provider.requests


def test_the_comment_form_names_the_provider_after_a_social_login(client, provider, article):
    log_in_from_the_article(client, article, provider)

    html = client.get(article.get_absolute_url()).content.decode()

    assert "You are commenting using your Liaison ID account." in html
