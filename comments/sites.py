"""django.contrib.sites holds the site's real address, from settings.

contrib-comments, xtd and allauth build absolute links from the Site row, which
Django creates as example.com. Every `migrate` writes SITE_DOMAIN and SITE_NAME there.
"""

from django.conf import settings
from django.contrib.sites.models import Site

from blog.links import site_domain


def sync_site(using="default", **kwargs):
    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": site_domain(), "name": settings.SITE_NAME},
    )
    Site.objects.clear_cache()
