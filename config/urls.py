import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from blog.sitemaps import sitemap_view
from blog.views import robots_txt

from .health import healthz
from .media import serve_media

# A database error raised in a middleware answers 503 as one raised in a view does.
handler500 = "config.errors.server_error"

admin.site.site_header = f"{settings.SITE_NAME} administration"
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("sitemap.xml", sitemap_view, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    # A reader's data (download, erasure) beside allauth's own account pages.
    path("accounts/", include("comments.account_urls")),
    path("accounts/", include("allauth.urls")),
    path("comments/", include("comments.urls")),
    path("", include("comments.article_urls")),
    path("", include("blog.urls")),
]

# Uploads, when SERVE_MEDIA is on (development, or one machine without nginx); the view
# answers 404 otherwise. A MEDIA_URL on another host (a bucket, a CDN) is not ours to serve.
if not urlsplit(settings.MEDIA_URL).netloc:
    media_prefix = re.escape(settings.MEDIA_URL.lstrip("/"))
    urlpatterns += [re_path(rf"^{media_prefix}(?P<path>.+)$", serve_media, name="media")]
