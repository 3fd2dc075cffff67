from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save, pre_save


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Imported here, not at the top: these modules import models, which Django allows
        # only once the app registry is ready, and ready() is the hook it gives for that.
        from allauth.account.signals import user_logged_in
        from allauth.socialaccount.models import SocialApp
        from django_comments_xtd.models import publish_or_unpublish_on_pre_save

        from blog.models import Article

        from .groups import sync_moderators_group
        from .models import Comment
        from .receivers import (
            comment_deleted,
            delete_article_comments,
            login_choices_changed,
            remember_login_provider,
        )
        from .sites import sync_site

        # xtd's receiver re-publishes a comment's whole subtree and inflates nested_count on
        # every save (flaws 4 and 5 in docs/comments-xtd.md); our comments change state
        # explicitly.
        pre_save.disconnect(publish_or_unpublish_on_pre_save, sender="comments.Comment")
        post_migrate.connect(sync_site, sender=self)
        post_migrate.connect(sync_moderators_group, sender=self)
        user_logged_in.connect(remember_login_provider)
        post_delete.connect(delete_article_comments, sender=Article)
        post_delete.connect(comment_deleted, sender=Comment)
        # Leave a Reply shows an icon for each social app set up in the admin.
        post_save.connect(login_choices_changed, sender=SocialApp)
        post_delete.connect(login_choices_changed, sender=SocialApp)
