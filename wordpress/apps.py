from django.apps import AppConfig


class WordpressConfig(AppConfig):
    name = "wordpress"
    label = "wordpress"
    verbose_name = "WordPress import"
    default_auto_field = "django.db.models.BigAutoField"
