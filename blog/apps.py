from django.apps import AppConfig
from django.core import checks
from django.core.signals import request_finished, request_started
from django.db.models.signals import m2m_changed, post_delete, post_save


class BlogConfig(AppConfig):
    name = "blog"
    verbose_name = "Articles"

    def ready(self):
        # Imported here, not at the top: models may be imported only once the app registry
        # is ready, and ready() is Django's hook for connecting receivers.
        from .models import Article, ContentVersion, Image, Motive, Rendition, Section, Topic
        from .tasks import schedule_publication, schedule_renditions

        def content_changed(sender, **kwargs):
            ContentVersion.bump()

        def article_saved(sender, instance, **kwargs):
            schedule_publication(instance)

        def image_saved(sender, instance, **kwargs):
            schedule_renditions(instance)

        # Anything a reader can see: cached pages and fragments keyed by the version go stale.
        for model in (Article, Section, Image, Rendition, Topic, Motive):
            post_save.connect(content_changed, sender=model, weak=False)
            post_delete.connect(content_changed, sender=model, weak=False)
        for through in (Article.topics.through, Section.motives.through):
            m2m_changed.connect(content_changed, sender=through, weak=False)
        # A scheduled article comes out with no write: a task moves the version then.
        post_save.connect(article_saved, sender=Article, weak=False)
        # The content version is read once per request (ContentVersion.of_this_request).
        request_started.connect(ContentVersion.begin_request_scope, weak=False)
        request_finished.connect(ContentVersion.end_request_scope, weak=False)
        # An upload's renditions are made by a task, once the upload commits.
        post_save.connect(image_saved, sender=Image, weak=False)

        from .checks import check_site_domain

        checks.register(check_site_domain)
