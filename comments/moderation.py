"""The moderator registered for articles on django-comments-xtd's moderator.

It must be xtd's `moderator`: registered on contrib-comments' own, it is silently
ignored (the posting signal's sender is xtd's TmpXtdComment). Our posting view asks it
through `pre_save_moderation`, the same entry point the signal would use.
"""

from django_comments_xtd.moderation import XtdCommentModerator, moderator

from blog.models import Article

from .rules import current_rules


class ArticleModerator(XtdCommentModerator):
    # No date-based auto-close or auto-moderation: contrib-comments raises on a
    # scheduled (future-dated) article. Article.accepts_comments() decides instead.
    email_notification = False
    enable_field = None
    auto_close_field = None
    auto_moderate_field = None

    def allow(self, comment, content_object, request):
        return content_object.accepts_comments()

    def moderate(self, comment, content_object, request):
        """True holds the comment for a moderator."""
        return current_rules().hold_new_comments

    def email(self, comment, content_object, request):
        """Moderators' emails come with the moderation rules, through our own mail path."""


def register():
    if Article not in moderator._registry:
        moderator.register(Article, ArticleModerator)
