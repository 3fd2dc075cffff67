"""The comments app's models, one module per concern; each name is importable from here."""

from .audit import ModerationEvent
from .comment import NAME_MAX_LENGTH, Comment, CommentQuerySet, ReplyRefused, refresh_comment_count
from .commenters import Commenter
from .discussion_settings import DiscussionSettings, current_rules, forget_rules
from .moderator_digest import HeldCommentNotice
from .reports import Report
from .revisions import CommentRevision

__all__ = [
    "NAME_MAX_LENGTH",
    "Comment",
    "CommentQuerySet",
    "CommentRevision",
    "Commenter",
    "DiscussionSettings",
    "HeldCommentNotice",
    "ModerationEvent",
    "ReplyRefused",
    "Report",
    "current_rules",
    "forget_rules",
    "refresh_comment_count",
]
