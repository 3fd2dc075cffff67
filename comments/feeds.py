"""RSS 2.0 feeds of approved comments: per article at `<article permalink>feed/`, per
motive at /motives/<slug>/comments/feed/, and site-wide at /comments/feed/.

Only what every reader may see is published: approved comments (never held, spam or
removed) on published articles, with the commenter's display name and never an email.
Each feed answers conditional requests and runs a fixed number of queries whatever the
number of comments.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.encoding import escape_uri_path
from django.utils.feedgenerator import Rss201rev2Feed

from blog.feeds import SiteFeed, conditional_feed
from blog.models import Article, Motive

from .models import Comment, current_rules
from .rendering import comment_html

FEED_LENGTH = 30


def comments_on_published_articles():
    return Comment.objects.on_published_articles().published()


def comments_on(article):
    return Comment.objects.for_article(article).published()


def last_change(comments):
    """When these comments, as the feed shows them, last changed, and how many there are.

    One aggregate query. Every comment is held first and approved later, possibly after a
    newer one: the newest moderation decision on an approved comment counts as a change
    as much as the newest submission, or a reader asking "modified since?" would miss it.
    """
    state = comments.aggregate(
        submitted=Max("submit_date"),
        decided=Max("events__created_at"),
        # Distinct: the join with the events repeats a comment once per event.
        count=Count("pk", distinct=True),
    )
    dates = [date for date in (state["submitted"], state["decided"]) if date is not None]
    return max(dates, default=None), state["count"]


def with_threads_before(comments, rules):
    """CommentQuerySet.with_threads_before(): each comment's page, in the feed's one query."""
    return comments.with_threads_before(rules.order)


@dataclass
class Entry:
    comment: Comment
    article: Article
    link: str


class CommentFeed(SiteFeed):
    """The newest approved comments of the site. One instance per request."""

    feed_type = Rss201rev2Feed

    def title(self, obj=None):
        return f"Comments — {settings.SITE_NAME}"

    def description(self, obj=None):
        return f"The newest approved comments on {settings.SITE_NAME}."

    def page(self, obj=None):
        return reverse("blog:home")

    def comments(self, obj):
        return comments_on_published_articles()

    def articles_of(self, comments, obj):
        ids = {comment.article_pk for comment in comments}
        return Article.objects.only("title", "slug", "published_at").in_bulk(ids)

    def items(self, obj=None):
        rules = current_rules()
        newest = self.comments(obj).order_by("-submit_date", "-pk")
        comments = list(with_threads_before(newest, rules)[:FEED_LENGTH])
        articles = self.articles_of(comments, obj)
        return [
            Entry(
                comment,
                articles[comment.article_pk],
                comment.url_on_page(
                    articles[comment.article_pk], rules.page_of(comment.threads_before)
                ),
            )
            for comment in comments
        ]

    def item_title(self, entry):
        return f"{author_name(entry.comment)} on “{entry.article.title}”"

    def item_link(self, entry):
        return self.absolute(entry.link)

    def item_description(self, entry):
        return comment_html(entry.comment.comment)

    def item_author_name(self, entry):
        return author_name(entry.comment)

    def item_pubdate(self, entry):
        return entry.comment.submit_date

    def item_guid(self, entry):
        # The comment's own address, which never changes; the link's page number can, as
        # threads are added or the discussion's order is changed.
        permalink = reverse("comments:permalink", kwargs={"pk": entry.comment.pk})
        return self.absolute(permalink)

    def item_guid_is_permalink(self, entry):
        return True


class ArticleCommentFeed(CommentFeed):
    """The newest approved comments on one published article."""

    def get_object(self, request, article):
        return article

    def title(self, article):
        return f"Comments on “{article.title}” — {settings.SITE_NAME}"

    def description(self, article):
        return f"Approved comments on “{article.title}”, newest first."

    def page(self, article):
        return f"{article.get_absolute_url()}#comments"

    def comments(self, article):
        return comments_on(article)

    def articles_of(self, comments, article):
        return {article.pk: article}


class MotiveCommentFeed(CommentFeed):
    """The newest approved comments discussing one motive, on every published article."""

    def get_object(self, request, motive):
        return motive

    def title(self, motive):
        return f"Comments on the motive “{motive.name}” — {settings.SITE_NAME}"

    def description(self, motive):
        return f"The newest approved comments discussing “{motive.name}”, on every article."

    def page(self, motive):
        return motive.get_absolute_url()

    def comments(self, motive):
        return comments_on_published_articles().on_motive(motive)


def author_name(comment):
    return comment.user_name or "Anonymous"


def site_state():
    return last_change(comments_on_published_articles())


def article_state(article):
    # The feed's title and every item's title name the article: renaming it is a change.
    changed, count = last_change(comments_on(article))
    return max(filter(None, (changed, article.updated_at))), count


def motive_state(motive):
    # The feed's title names the motive, which has no date of its own: a rename changes
    # the ETag (the count and the date do not).
    changed, count = last_change(comments_on_published_articles().on_motive(motive))
    return changed, f"{count}:{motive.name}"


site_feed = conditional_feed(CommentFeed, site_state)
_article_feed = conditional_feed(ArticleCommentFeed, article_state)
_motive_feed = conditional_feed(MotiveCommentFeed, motive_state)


def motive_feed(request, slug):
    return _motive_feed(request, motive=get_object_or_404(Motive, slug=slug))


def article_feed(request, year, month, day, slug):
    """An article's comment feed at its permalink + feed/. Drafts and scheduled articles are
    404: their comments are nobody's to read yet."""
    article = get_object_or_404(Article.objects.published(), slug=slug)
    feed_url = reverse("article_comments:feed", kwargs=article.permalink_kwargs())
    if escape_uri_path(request.path) != feed_url:
        # As the article page does: a permalink with the wrong date finds its one address.
        return redirect(feed_url, permanent=True)
    return _article_feed(request, article=article)
