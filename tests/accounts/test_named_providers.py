"""GitHub, Google, Facebook and X: each provider's login completes and logs a reader in.

The browser's trip to the provider is a redirect the test reads (its state and redirect_uri);
allauth's server-side calls (token, profile, emails) are answered by canned responses shaped
like each provider's API, so nothing leaves the machine.
"""

import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from allauth.socialaccount.providers.facebook.constants import GRAPH_API_URL
from allauth.socialaccount.providers.facebook.views import FacebookOAuth2Adapter
from allauth.socialaccount.providers.github.views import GitHubOAuth2Adapter
from allauth.socialaccount.providers.google.views import GoogleOAuth2Adapter
from allauth.socialaccount.providers.twitter_oauth2.views import TwitterOAuth2Adapter
from django.core import mail
from django.urls import reverse

from .canned_http import serve_canned_responses
from .flows import link_in_mail, logged_in_user_id, mail_delivered
from .oidc_provider import new_signing_key, sign_id_token

pytestmark = pytest.mark.django_db

CLIENT_ID = "liaison-client"


def configure(settings, provider_id):
    settings.SOCIALACCOUNT_PROVIDERS = {
        provider_id: {"APPS": [{"client_id": CLIENT_ID, "secret": "liaison-secret"}]}
    }


def log_in_with(client, provider_id, next_url, authorize_host):
    """The login link (a page with a button), the button, the provider's authorize page
    (which sends the browser back with a code and the state), then the callback."""
    login_url = (
        f"{reverse(f'{provider_id}_login')}?{urlencode({'process': 'login', 'next': next_url})}"
    )
    assert client.get(login_url).status_code == 200
    to_provider = client.post(login_url)
    authorize = urlsplit(to_provider["Location"])
    assert authorize.netloc == authorize_host
    query = parse_qs(authorize.query)
    assert query["client_id"] == [CLIENT_ID]
    callback = urlsplit(query["redirect_uri"][0])
    assert callback.path == reverse(f"{provider_id}_callback")
    return client.get(callback.path, {"code": "canned-code", "state": query["state"][0]})


def github_api():
    return {
        ("POST", GitHubOAuth2Adapter.access_token_url): {
            "access_token": "gho_canned",
            "token_type": "bearer",
            "scope": "user:email",
        },
        ("GET", GitHubOAuth2Adapter.profile_url): {
            "id": 583231,
            "login": "octoreader",
            "name": "Octo Reader",
            "email": None,
        },
        ("GET", GitHubOAuth2Adapter.emails_url): [
            {"email": "octo@example.org", "primary": True, "verified": True}
        ],
    }


def google_api():
    now = int(time.time())
    id_token = sign_id_token(
        {
            "iss": "https://accounts.google.com",
            "aud": CLIENT_ID,
            "sub": "109876543210",
            "email": "gail@example.org",
            "email_verified": True,
            "given_name": "Gail",
            "family_name": "Oogle",
            "iat": now,
            "exp": now + 300,
        },
        new_signing_key(),
        kid="google-canned",
    )
    return {
        ("POST", GoogleOAuth2Adapter.access_token_url): {
            "access_token": "ya29.canned",
            "token_type": "Bearer",
            "expires_in": 3599,
            "id_token": id_token,
        },
    }


def facebook_api():
    return {
        ("GET", FacebookOAuth2Adapter.access_token_url): {
            "access_token": "EAAcanned",
            "token_type": "bearer",
            "expires_in": 5183944,
        },
        ("GET", f"{GRAPH_API_URL}/me"): {
            "id": "10150146071831729",
            "email": "fay@example.org",
            "name": "Fay Book",
            "first_name": "Fay",
            "last_name": "Book",
        },
    }


def x_api():
    return {
        ("POST", TwitterOAuth2Adapter.access_token_url): {
            "access_token": "canned",
            "token_type": "bearer",
            "expires_in": 7200,
            "scope": "users.read tweet.read",
        },
        ("GET", TwitterOAuth2Adapter.profile_url): {
            "data": {"id": "2244994945", "name": "Ex Reader", "username": "exreader"}
        },
    }


@pytest.mark.parametrize(
    ("provider_id", "api", "authorize_host", "uid", "email"),
    [
        ("github", github_api, "github.com", "583231", "octo@example.org"),
        ("google", google_api, "accounts.google.com", "109876543210", "gail@example.org"),
    ],
    ids=["github", "google"],
)
def test_a_provider_vouching_for_the_email_logs_the_reader_straight_in(
    client, settings, monkeypatch, respond_url, provider_id, api, authorize_host, uid, email
):
    configure(settings, provider_id)
    serve_canned_responses(monkeypatch, api())

    with mail_delivered():
        response = log_in_with(client, provider_id, respond_url, authorize_host)

    assert response["Location"] == respond_url
    account = SocialAccount.objects.get(provider=provider_id, uid=uid)
    assert account.user.email == email
    assert logged_in_user_id(client) == str(account.user_id)
    assert mail.outbox == []


def test_a_facebook_reader_confirms_their_email_then_is_logged_in(
    client, settings, monkeypatch, respond_url
):
    # Facebook does not say whether an address is verified: mandatory verification applies.
    configure(settings, "facebook")
    serve_canned_responses(monkeypatch, facebook_api())

    with mail_delivered():
        response = log_in_with(client, "facebook", respond_url, "www.facebook.com")

    assert response["Location"] == reverse("account_email_verification_sent")
    account = SocialAccount.objects.get(provider="facebook", uid="10150146071831729")
    assert logged_in_user_id(client) is None
    (message,) = mail.outbox
    assert message.to == ["fay@example.org"]

    response = client.post(link_in_mail(message))

    assert response["Location"] == respond_url
    assert logged_in_user_id(client) == str(account.user_id)


def test_an_x_reader_gives_an_email_confirms_it_then_is_logged_in(
    client, settings, monkeypatch, respond_url
):
    # X's API gives no email address, and an account here needs one.
    configure(settings, "twitter_oauth2")
    serve_canned_responses(monkeypatch, x_api())

    response = log_in_with(client, "twitter_oauth2", respond_url, "x.com")

    assert response["Location"] == reverse("socialaccount_signup")
    form = client.get(response["Location"]).content.decode()
    assert '<meta name="robots" content="noindex">' in form
    assert 'name="username" value="exreader"' in form

    with mail_delivered():
        response = client.post(
            reverse("socialaccount_signup"), {"email": "ex@example.org", "username": "exreader"}
        )

    assert response["Location"] == reverse("account_email_verification_sent")
    account = SocialAccount.objects.get(provider="twitter_oauth2", uid="2244994945")
    assert logged_in_user_id(client) is None
    (message,) = mail.outbox
    response = client.post(link_in_mail(message))
    assert response["Location"] == respond_url
    assert logged_in_user_id(client) == str(account.user_id)
