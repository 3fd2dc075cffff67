"""The Moderators group, defined here and written by every `migrate`.

Exactly what the moderation queue needs, and no article editing. It holds
contrib-comments' `can_moderate`: xtd's migration copies a second "Can moderate
comments" permission that grants nothing (flaw 15 in docs/comments-xtd.md). A moderator
is a staff user (to reach the admin) in this group.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

from .moderators import APP_LABEL, CODENAME

MODERATORS = "Moderators"
MODERATOR_PERMISSIONS = [
    (APP_LABEL, CODENAME),
    # The queue is read-only; decisions are actions that ask can_moderate, not change_comment.
    ("comments", "view_comment"),
    ("comments", "view_moderationevent"),
    ("comments", "view_commentrevision"),
    ("comments", "view_report"),
    ("comments", "view_commenter"),
    ("comments", "add_commenter"),
    ("comments", "change_commenter"),
]


def sync_moderators_group(using="default", **kwargs):
    wanted = Q()
    for app_label, codename in MODERATOR_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    permissions = list(Permission.objects.using(using).filter(wanted))
    group, _ = Group.objects.using(using).get_or_create(name=MODERATORS)
    group.permissions.set(permissions)
