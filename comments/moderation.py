"""The moderator registered for articles on django-comments-xtd's moderator.

It must be xtd's `moderator`: registered on contrib-comments' own, it is silently
ignored (the posting signal's sender is xtd's TmpXtdComment). It holds no rules of its
own: it asks the moderation policy (comments/policy.py), as our posting view does.
"""

from django_comments_xtd.moderation import XtdCommentModerator, moderator

from blog.models import Article

from .policy import APPROVE, comments_open, decide_for


class ArticleModerator(XtdCommentModerator):
    # No date-based auto-close or auto-moderation: contrib-comments raises on a
    # scheduled (future-dated) article. The policy's comments_open() decides instead.
    email_notification = False
    enable_field = None
    auto_close_field = None
    auto_moderate_field = None

    def allow(self, comment, content_object, request):
        return comments_open(content_object)

    def moderate(self, comment, content_object, request):
        """True holds the comment (or sends it to spam): whatever the policy does not approve."""
        return decide_for(comment, content_object).action != APPROVE

    def email(self, comment, content_object, request):
        """Moderators hear of held comments through comments/notifications.py."""


def register():
    if Article not in moderator._registry:
        moderator.register(Article, ArticleModerator)
