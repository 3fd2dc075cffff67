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
    """May approve, hold, mark as spam and remove comments."""
    return user.is_authenticated and user.is_active and user.has_perm(CAN_MODERATE)


def moderators():
    """Active users for whom is_moderator() holds and who have an email address."""
    can_moderate = Permission.objects.filter(content_type__app_label=APP_LABEL, codename=CODENAME)
    return (
        get_user_model()
        .objects.filter(
            Q(is_superuser=True)
            | Q(groups__permissions__in=can_moderate)
            | Q(user_permissions__in=can_moderate),
            is_active=True,
        )
        .exclude(email="")
        .distinct()
    )
