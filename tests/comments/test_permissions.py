"""Who may moderate: anonymous, reader, moderator, editor and superuser, tried on every
moderation action, on the site and in the admin. Only moderators and superusers succeed;
the others get a login redirect or 403, and nothing changes."""

import pytest
from django.contrib.auth.models import Group, Permission

from comments.groups import MODERATOR_PERMISSIONS, MODERATORS
from comments.models import ModerationEvent
from tests.blog.factories import ArticleFactory, StaffFactory, UserFactory

from .factories import CommentFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "reader", "moderator", "editor", "superuser"]
ALLOWED = {"moderator", "superuser"}


def make_user(role):
    if role == "anonymous":
        return None
    if role == "reader":
        return UserFactory()
    if role == "superuser":
        return StaffFactory()
    user = UserFactory(is_staff=True)
    if role == "moderator":
        user.groups.add(Group.objects.get(name=MODERATORS))
    else:  # an editor: every permission on articles, sections, motives, topics, images
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="blog"))
    return user


@pytest.fixture(params=ROLES)
def role(request):
    return request.param


@pytest.fixture
def as_role(client, role):
    user = make_user(role)
    if user is not None:
        client.force_login(user)
    return client


def assert_refused(response, role):
    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/") or response[
            "Location"
        ].startswith("/admin/login/")
    else:
        assert response.status_code == 403


# The group ----------------------------------------------------------------------------


def test_the_moderators_group_holds_exactly_the_queue_permissions():
    group = Group.objects.get(name=MODERATORS)

    held = set(group.permissions.values_list("content_type__app_label", "codename"))

    assert held == set(MODERATOR_PERMISSIONS)
    assert ("django_comments", "can_moderate") in held
    assert not any(app == "blog" for app, _ in held)


def test_xtds_copy_of_can_moderate_grants_nothing_here():
    """Flaw 15: xtd's migration adds its own "Can moderate comments"; only contrib's counts."""
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(
            content_type__app_label="django_comments_xtd", codename="can_moderate"
        )
    )
    user = type(user).objects.get(pk=user.pk)
    comment = CommentFactory(held=True)

    from django.test import Client

    client = Client()
    client.force_login(user)
    response = client.post(f"/comments/{comment.pk}/moderate/", {"action": "approve"})

    assert response.status_code == 403


# On the site --------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["approve", "unapprove", "spam", "remove", "restore"])
def test_moderating_in_place(as_role, role, action):
    comment = CommentFactory(held=action == "approve", removed=action == "restore")
    before = comment.state

    response = as_role.post(f"/comments/{comment.pk}/moderate/", {"action": action})

    comment.refresh_from_db()
    if role in ALLOWED:
        assert response.status_code == 302
        assert comment.state != before
        assert ModerationEvent.objects.filter(comment=comment, action=action).count() == 1
    else:
        assert_refused(response, role)
        assert comment.state == before
        assert not ModerationEvent.objects.filter(comment=comment).exclude(action="policy").exists()


def test_moderation_buttons_show_to_moderators_only(as_role, role):
    article = ArticleFactory()
    held = CommentFactory(article=article, held=True, comment="Pending words")

    page = as_role.get(article.get_absolute_url()).content.decode()

    assert (f'action="/comments/{held.pk}/moderate/"' in page) == (role in ALLOWED)
    assert ("Pending words" in page) == (role in ALLOWED)
