from django.apps import AppConfig
from django.core import checks


class BlogConfig(AppConfig):
    name = "blog"
    verbose_name = "Articles"

    def ready(self):
        from .checks import check_site_domain

        checks.register(check_site_domain)
