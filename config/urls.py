from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from blog.sitemaps import sitemaps
from blog.views import robots_txt

from .health import healthz

admin.site.site_header = f"{settings.SITE_NAME} administration"
admin.site.site_title = settings.SITE_NAME

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    path("accounts/", include("allauth.urls")),
    path("comments/", include("comments.urls")),
    path("", include("comments.article_urls")),
    path("", include("blog.urls")),
]

# Development only: in production the web server or object storage serves uploads.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
