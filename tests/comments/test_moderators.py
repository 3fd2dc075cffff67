"""Who moderates (comments/moderators.py): is_moderator() answers what the model backend's
has_perm answers, and moderators() lists the same users."""

import pytest
from django.contrib.auth.models import Group, Permission

from comments.groups import MODERATORS
from comments.moderators import APP_LABEL, CODENAME, can_moderate, is_moderator, moderators
from tests.blog.factories import UserFactory

pytestmark = pytest.mark.django_db


def through_group():
    user = UserFactory()
    user.groups.add(Group.objects.get(name=MODERATORS))
    return user


def given_directly():
    user = UserFactory()
    user.user_permissions.add(can_moderate().get())
    return user


def xtds_lookalike():
    """xtd's own "Can moderate comments", which grants nothing (docs/comments-xtd.md)."""
    user = UserFactory()
    user.user_permissions.add(
        Permission.objects.exclude(content_type__app_label=APP_LABEL).get(codename=CODENAME)
    )
    return user


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (through_group, True),
        (given_directly, True),
        (lambda: UserFactory(is_superuser=True), True),
        (UserFactory, False),
        (xtds_lookalike, False),
        (lambda: UserFactory(is_superuser=True, is_active=False), False),
    ],
    ids=["group", "permission", "superuser", "reader", "xtd-permission", "inactive"],
)
def test_is_moderator_answers_as_the_model_backend_and_moderators_lists_the_same(make, expected):
    user = make()
    user.email = user.email or "someone@example.org"
    user.save()

    assert is_moderator(user) is expected
    assert is_moderator(user) is user.has_perm("django_comments.can_moderate")
    assert (user in moderators()) is expected


def test_the_answer_is_read_in_one_query_and_kept_for_the_request(django_assert_num_queries):
    user = through_group()

    with django_assert_num_queries(1):
        assert is_moderator(user)
        assert is_moderator(user)
