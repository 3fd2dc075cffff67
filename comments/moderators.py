"""Who moderates comments: the one definition, as a test on a user and as a query of users.

The permission is contrib-comments' `can_moderate`; xtd's migration copies a second
"Can moderate comments" that grants nothing (flaw 15 in docs/comments-xtd.md).
Superusers have every permission, so they moderate too.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q

CAN_MODERATE = "django_comments.can_moderate"
APP_LABEL, CODENAME = CAN_MODERATE.split(".")


def is_moderator(user):
    """May approve, hold, mark as spam and remove comments: what the model backend's
    has_perm(CAN_MODERATE) answers, in one query that reads this permission alone (has_perm
    reads every permission of the user and of their groups, in two). Asked several times
    while a page is built, so the answer is kept on the user object, as Django keeps its
    permission cache there."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    if not hasattr(user, "_liaison_is_moderator"):
        user._liaison_is_moderator = (
            can_moderate().filter(Q(user=user) | Q(group__user=user)).exists()
        )
    return user._liaison_is_moderator


def moderators():
    """Active users for whom is_moderator() holds and who have an email address."""
    return (
        get_user_model()
        .objects.filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=can_moderate())
            | Q(user_permissions__in=can_moderate()),
            is_active=True,
        )
        .exclude(email="")
        .distinct()
    )


def can_moderate():
    """The permission, as a queryset of one."""
    return Permission.objects.filter(content_type__app_label=APP_LABEL, codename=CODENAME)
