"""System checks of the site's configuration, registered by BlogConfig.ready(). Django runs
them before `migrate`, `runserver` and `check` (the deploy steps in the README run both)."""

from django.conf import settings
from django.core.checks import Warning


def check_site_domain(app_configs, **kwargs):
    """Links made outside a request (emails) need SITE_DOMAIN to name the right host."""
    if settings.DEBUG or settings.SITE_DOMAIN:
        return []
    return [
        Warning(
            "SITE_DOMAIN is not set: links in emails, and anywhere else no request gives the "
            "host, will name a guess from ALLOWED_HOSTS.",
            hint="Set SITE_DOMAIN to the public host, e.g. SITE_DOMAIN=liaison.example.org.",
            id="liaison.W001",
        )
    ]
