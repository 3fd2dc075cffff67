"""RSS 2.0 and Atom feeds of published articles: site-wide, per motive and per topic."""

import hashlib

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.views.decorators.http import condition

from . import images
from .links import absolute_url
from .models import Article, Motive, Topic

FEED_LENGTH = 20


class RssWithContent(Rss201rev2Feed):
    """RSS 2.0 with the full article in <content:encoded>."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": "http://purl.org/rss/1.0/modules/content/",
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content:encoded", item["content_html"])


class AtomWithContent(Atom1Feed):
    """Atom with the full article in <content type="html">."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("content", item["content_html"], {"type": "html"})


class SiteFeed(Feed):
    """A feed whose links are all whole URLs from blog.links, as the pages' own are.

    Django's feeds put the Site row's domain in front of a path (add_domain); a link that is
    already whole is left alone, so every link is made whole here: the feed's page, its own
    address and each item's. One instance per request: it keeps the request for URLs.
    """

    def __call__(self, request, *args, **kwargs):
        self.request = request
        return super().__call__(request, *args, **kwargs)

    def page(self, obj=None):
        """The path of the page the feed follows."""
        return reverse("blog:home")

    def link(self, obj=None):
        return self.absolute(self.page(obj))

    def feed_url(self, obj=None):
        return self.absolute(self.request.path)

    def item_link(self, item):
        return self.absolute(item.get_absolute_url())

    def absolute(self, url):
        return absolute_url(url, self.request)


class ArticleFeed(SiteFeed):
    """Newest published articles."""

    feed_type = RssWithContent

    def title(self, obj=None):
        return settings.SITE_NAME

    def description(self, obj=None):
        return settings.SITE_TAGLINE

    subtitle = description

    def articles(self, obj):
        return Article.objects.published()

    def items(self, obj=None):
        return self.articles(obj).for_reading()[:FEED_LENGTH]

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        return article.excerpt

    def item_author_name(self, article):
        return article.author.get_full_name() or article.author.get_username()

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return article.modified_at()

    def item_categories(self, article):
        return [motive.name for motive in article.motives()]

    def item_enclosures(self, article):
        image = article.featured_image
        if image is None:
            return []
        mime_type = images.mime_type(image.format)
        return [Enclosure(self.absolute(image.file.url), str(image.file.size), mime_type)]

    def item_extra_kwargs(self, article):
        image = article.featured_image
        content = render_to_string(
            "blog/feed_content.html",
            {"article": article, "image_url": self.absolute(image.file.url) if image else ""},
        )
        return {"content_html": content}


class AtomArticleFeed(ArticleFeed):
    feed_type = AtomWithContent


class TagFeed(ArticleFeed):
    """The newest published articles of one topic or motive."""

    model = None
    about = ""  # how the description names the tag when it has none of its own

    def get_object(self, request, slug):
        return get_object_or_404(self.model, slug=slug)

    def title(self, tag):
        return f"{tag.name} — {settings.SITE_NAME}"

    def description(self, tag):
        return tag.description or self.about.format(name=tag.name)

    def page(self, tag):
        return tag.get_absolute_url()


class MotiveFeed(TagFeed):
    model = Motive
    about = "Articles arguing “{name}”."

    def articles(self, motive):
        return published_with_motive(motive.slug)


class TopicFeed(TagFeed):
    model = Topic
    about = "Articles about {name}."

    def articles(self, topic):
        return published_with_topic(topic.slug)


def published_with_motive(slug):
    return Article.objects.published().filter(sections__motives__slug=slug).distinct()


def published_with_topic(slug):
    return Article.objects.published().filter(topics__slug=slug)


def conditional_feed(feed_class, state_for):
    """A view answering If-None-Match / If-Modified-Since with 304 before building the feed.

    `state_for(**kwargs)` gives the feed's (last change, number of items) in one query; the
    ETag and Last-Modified are both made from it.
    """

    def state_of(request, kwargs):
        # Asked by both functions below: one query per request.
        if not hasattr(request, "feed_state"):
            request.feed_state = state_for(**kwargs)
        return request.feed_state

    def last_modified(request, **kwargs):
        return state_of(request, kwargs)[0]

    def etag(request, **kwargs):
        changed, count = state_of(request, kwargs)
        key = f"{request.path}|{changed}|{count}"
        return hashlib.sha256(key.encode()).hexdigest()[:32]

    @condition(etag_func=etag, last_modified_func=last_modified)
    def view(request, **kwargs):
        response = feed_class()(request, **kwargs)
        # Feed dates its response by the newest item; the feed's state may have changed later
        # (an edit, a late approval), so @condition puts last_modified() instead.
        response.headers.pop("Last-Modified", None)
        return response

    return view


def articles_state(articles_for):
    """The state of a feed of articles: their last publication or edit, and their number."""

    def state_for(**kwargs):
        change = articles_for(**kwargs).last_change()
        return change["changed"], change["count"]

    return state_for


def site_articles():
    return Article.objects.published()


site_feed = conditional_feed(ArticleFeed, articles_state(site_articles))
site_atom_feed = conditional_feed(AtomArticleFeed, articles_state(site_articles))
motive_feed = conditional_feed(MotiveFeed, articles_state(published_with_motive))
topic_feed = conditional_feed(TopicFeed, articles_state(published_with_topic))
