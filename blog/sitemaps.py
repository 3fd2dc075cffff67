"""The sitemap, with its addresses on the site's host (blog.links), as the pages' own are."""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.urls import reverse

from .links import scheme, site_domain
from .models import Article, Motive, Topic


class SiteSitemap(Sitemap):
    """A sitemap section whose host and scheme come from blog.links, not the Site row."""

    def __init__(self, request=None):
        self.request = request

    def get_domain(self, site=None):
        return site_domain(self.request)

    def get_protocol(self, protocol=None):
        return scheme(self.request)


class HomeSitemap(SiteSitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["blog:home"]

    def location(self, name):
        return reverse(name)

    def lastmod(self, name):
        # The home page changes when an article is published or edited, as the feeds do.
        return Article.objects.published().last_change()["changed"]


class ArticleSitemap(SiteSitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return Article.objects.published().only("slug", "published_at", "updated_at")

    def lastmod(self, article):
        return article.modified_at()


class MotiveSitemap(SiteSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        published = Article.objects.published()
        return Motive.objects.filter(sections__article__in=published).distinct()


class TopicSitemap(SiteSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        return Topic.objects.filter(articles__in=Article.objects.published()).distinct()


sitemaps = {
    "home": HomeSitemap,
    "articles": ArticleSitemap,
    "motives": MotiveSitemap,
    "topics": TopicSitemap,
}


def sitemap_view(request):
    """Django's sitemap view, given sections that know the request."""
    return sitemap(request, {name: section(request) for name, section in sitemaps.items()})
