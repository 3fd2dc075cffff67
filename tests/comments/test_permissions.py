"""Who may moderate: anonymous, reader, moderator, editor and superuser, tried on every
moderation action, on the site and in the admin. Only moderators and superusers succeed;
the others get a login redirect or 403, and nothing changes."""

import pytest
from django.contrib.auth.models import Group, Permission

from comments import services
from comments.groups import MODERATOR_PERMISSIONS, MODERATORS
from comments.models import Comment, Commenter, ModerationEvent
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


def test_reporting_needs_a_login_only(as_role, role):
    comment = CommentFactory()

    response = as_role.post(f"/comments/{comment.pk}/report/")

    if role == "anonymous":
        assert_refused(response, role)
        assert not comment.reports.exists()
    else:
        assert response.status_code == 302
        assert comment.reports.count() == 1


# In the admin -------------------------------------------------------------------------

QUEUE = "/admin/comments/comment/"

QUEUE_ACTIONS = {
    # action: (state the comment starts in, state it should end in)
    "approve_comments": ("pending", "approved"),
    "unapprove_comments": ("approved", "pending"),
    "spam_comments": ("pending", "spam"),
    "remove_comments": ("approved", "removed"),
    "restore_comments": ("removed", "approved"),
}


def comment_in(state):
    comment = CommentFactory(held=state == "pending")
    if state == "removed":
        services.remove(comment)
    return Comment.objects.get(pk=comment.pk)


def assert_admin_refused(response, role):
    if role in {"anonymous", "reader"}:
        # Not staff: the admin asks them to log in as staff.
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    else:
        assert response.status_code == 403


def test_opening_the_queue(as_role, role):
    CommentFactory(held=True)

    response = as_role.get(QUEUE)

    if role in ALLOWED:
        assert response.status_code == 200
    else:
        assert_admin_refused(response, role)


def test_opening_a_comments_page(as_role, role):
    comment = CommentFactory(held=True)

    response = as_role.get(f"{QUEUE}{comment.pk}/change/")

    if role in ALLOWED:
        assert response.status_code == 200
    else:
        assert_admin_refused(response, role)


@pytest.mark.parametrize("action", sorted(QUEUE_ACTIONS))
def test_bulk_actions_in_the_queue(as_role, role, action):
    start, end = QUEUE_ACTIONS[action]
    comment = comment_in(start)

    response = as_role.post(QUEUE, {"action": action, "_selected_action": [comment.pk]})

    comment.refresh_from_db()
    if role in ALLOWED:
        assert response.status_code == 302
        assert comment.state == end
    else:
        # Staff without the permission get the queue refused (403) or, where the admin
        # lets them see it, an action it does not offer; either way nothing changes.
        assert response.status_code in {302, 403}
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/")
        assert comment.state == start


@pytest.mark.parametrize("standing", ["ban_authors", "trust_authors"])
def test_banning_and_trusting_from_the_queue(as_role, role, standing):
    comment = CommentFactory()

    as_role.post(QUEUE, {"action": standing, "_selected_action": [comment.pk]})

    changed = Commenter.objects.filter(user=comment.user).exclude(standing="rules").exists()
    assert changed == (role in ALLOWED)


@pytest.mark.parametrize("decision", ["approve", "spam", "remove"])
def test_decision_buttons_on_a_comments_page(as_role, role, decision):
    comment = CommentFactory(held=True)

    response = as_role.post(f"{QUEUE}{comment.pk}/moderate/", {"decision": decision})

    comment.refresh_from_db()
    if role in ALLOWED:
        assert response.status_code == 302
        assert comment.state != "pending"
    else:
        assert_admin_refused(response, role)
        assert comment.state == "pending"


@pytest.mark.parametrize("action", ["ban", "trust"])
def test_commenter_actions(as_role, role, action):
    reader = UserFactory()
    commenter = Commenter.objects.create(user=reader)

    response = as_role.post(
        "/admin/comments/commenter/", {"action": action, "_selected_action": [commenter.pk]}
    )

    commenter.refresh_from_db()
    if role in ALLOWED:
        assert response.status_code == 302
        assert commenter.standing != Commenter.Standing.RULES
    else:
        assert response.status_code in {302, 403}
        assert commenter.standing == Commenter.Standing.RULES


def test_changing_the_discussion_settings_is_the_superusers(as_role, role):
    """Setting the rules is an editor-in-chief's decision: not the queue's (moderators) and
    not an article editor's unless given the permission."""
    from comments.models import DiscussionSettings

    row = DiscussionSettings.load()
    data = {
        "manual_approval": "",
        "approve_returning_authors": "on",
        "hold_links_at": 2,
        "moderation_words": "",
        "disallowed_words": "",
        "report_threshold": 3,
        "thread_depth": 5,
        "top_level_per_page": 50,
        "order": "oldest",
        "flood_interval": 15,
        "max_length": 5000,
        "close_after_days": "",
        "moderator_digest_minutes": 15,
        "erasure": "anonymise",
        "edit_window_minutes": 15,
    }

    response = as_role.post(f"/admin/comments/discussionsettings/{row.pk}/change/", data)

    row.refresh_from_db()
    if role == "superuser":
        assert response.status_code == 302
        assert row.manual_approval is False
    else:
        assert_admin_refused(response, role)
        assert row.manual_approval is True


def test_the_pending_count_on_the_admin_index(as_role, role):
    CommentFactory(held=True)

    response = as_role.get("/admin/")

    if role in {"anonymous", "reader"}:
        assert_admin_refused(response, role)
    else:
        assert response.status_code == 200
        assert ("awaits moderation" in response.content.decode()) == (role in ALLOWED)
