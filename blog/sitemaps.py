from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Article, Motive, Topic


class HomeSitemap(Sitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["blog:home"]

    def location(self, name):
        return reverse(name)

    def lastmod(self, name):
        # The home page changes when an article is published or edited, as the feeds do.
        return Article.objects.published().last_change()["changed"]


class ArticleSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return Article.objects.published().only("slug", "published_at", "updated_at")

    def lastmod(self, article):
        return article.modified_at()


class MotiveSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        published = Article.objects.published()
        return Motive.objects.filter(sections__article__in=published).distinct()


class TopicSitemap(Sitemap):
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
