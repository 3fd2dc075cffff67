"""Comment feeds: per article at `<article permalink>feed/`, site-wide at /comments/feed/."""

from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.core.cache import cache
from django.utils import timezone

from blog.models import Article
from comments import services
from comments.feeds import FEED_LENGTH
from comments.models import Comment
from comments.models.discussion_settings import forget_rules_read_here
from comments.rules import NEWEST_FIRST, OLDEST_FIRST
from tests.blog.factories import ArticleFactory, StaffFactory, UserFactory

from .factories import CommentFactory

pytestmark = pytest.mark.django_db

SITE_FEED = "/comments/feed/"


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200, response
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


def feed_url(article):
    return f"{article.get_absolute_url()}feed/"


def texts(feed):
    return [entry.summary for entry in feed.entries]


@pytest.fixture
def article():
    return ArticleFactory(title="Kaesong", published_at=datetime(2020, 6, 17, 12, tzinfo=UTC))


@pytest.fixture(params=["article", "site"])
def url(request, article):
    """Each behaviour both feeds share, tested on each of them."""
    return feed_url(article) if request.param == "article" else SITE_FEED


def test_article_feed_lives_under_the_article_permalink(client, article):
    CommentFactory(article=article, comment="First.")

    response, feed = parse(client, "/2020/06/17/kaesong/feed/")

    assert response["Content-Type"].startswith("application/rss+xml")
    assert feed.version == "rss20"
    assert feed.feed.title == "Comments on “Kaesong” — Liaison"
    assert feed.feed.link == f"http://testserver{article.get_absolute_url()}#comments"
    assert texts(feed) == ["<p>First.</p>"]


def test_site_feed_is_rss_2_named_for_the_site(client, article):
    CommentFactory(article=article)

    _, feed = parse(client, SITE_FEED)

    assert feed.version == "rss20"
    assert feed.feed.title == "Comments — Liaison"
    assert feed.feed.link == "http://testserver/"


def test_item_names_author_and_article_dates_and_links_the_comment(client, article, url):
    user = UserFactory(first_name="Ada", last_name="Lovelace")
    comment = CommentFactory(article=article, user=user)

    _, feed = parse(client, url)

    entry = feed.entries[0]
    assert entry.title == "Ada Lovelace on “Kaesong”"
    assert entry.author == "Ada Lovelace"
    assert entry.link == f"http://testserver{comment.url_for(None)}"
    assert entry.id == f"http://testserver/comments/{comment.pk}/"
    assert entry.published_parsed[:6] == comment.submit_date.utctimetuple()[:6]


def test_comment_without_a_name_is_by_anonymous(client, article):
    CommentFactory(article=article, user_name="")

    _, feed = parse(client, feed_url(article))

    assert feed.entries[0].title == "Anonymous on “Kaesong”"


def test_comment_text_is_escaped_plain_text_in_paragraphs(client, article, url):
    CommentFactory(article=article, comment="<b>Bold</b> & sure\n\nSecond")

    _, feed = parse(client, url)

    assert texts(feed) == ["<p>&lt;b&gt;Bold&lt;/b&gt; &amp; sure</p>\n<p>Second</p>"]


def test_feeds_never_publish_an_email(client, article, url):
    CommentFactory(article=article, user=UserFactory(email="secret.reader@example.org"))

    response, _ = parse(client, url)

    assert b"secret.reader" not in response.content


def test_held_spam_and_removed_comments_are_left_out(client, article, url):
    CommentFactory(article=article, comment="Approved.")
    CommentFactory(article=article, comment="Held.", held=True)
    CommentFactory(article=article, comment="Removed.", removed=True)
    CommentFactory(article=article, comment="Spam.", is_spam=True, is_removed=True)
    services.mark_spam(CommentFactory(article=article, comment="Marked as spam."))

    _, feed = parse(client, url)

    assert texts(feed) == ["<p>Approved.</p>"]


def test_spam_flag_alone_keeps_a_comment_out(client, article, url):
    # Spam is always removed too; a row changed by hand must not publish it either.
    CommentFactory(article=article, comment="Spam.", is_spam=True)

    _, feed = parse(client, url)

    assert feed.entries == []


def test_newest_comments_first(client, article, url):
    now = timezone.now()
    CommentFactory(article=article, comment="Older.", submit_date=now - timedelta(hours=2))
    CommentFactory(article=article, comment="Newer.", submit_date=now - timedelta(hours=1))

    _, feed = parse(client, url)

    assert texts(feed) == ["<p>Newer.</p>", "<p>Older.</p>"]


def test_feeds_hold_the_newest_thirty(client, article, url):
    now = timezone.now()
    CommentFactory(article=article, comment="Oldest.", submit_date=now - timedelta(days=1))
    CommentFactory.create_batch(FEED_LENGTH, article=article)

    _, feed = parse(client, url)

    assert len(feed.entries) == FEED_LENGTH == 30
    assert "<p>Oldest.</p>" not in texts(feed)


def test_article_feed_has_only_that_articles_comments(client, article):
    CommentFactory(article=article, comment="Here.")
    CommentFactory(article=ArticleFactory(), comment="Elsewhere.")

    _, feed = parse(client, feed_url(article))

    assert texts(feed) == ["<p>Here.</p>"]


def test_site_feed_has_every_published_articles_comments(client, article):
    CommentFactory(article=article, comment="Here.")
    other = ArticleFactory(title="Other")
    CommentFactory(article=other, comment="Elsewhere.")

    _, feed = parse(client, SITE_FEED)

    assert [entry.title.split(" on ")[1] for entry in feed.entries] == ["“Other”", "“Kaesong”"]


def test_site_feed_leaves_out_comments_on_drafts_and_scheduled_articles(client, article):
    CommentFactory(article=article, comment="Published.")
    CommentFactory(article=ArticleFactory(draft=True), comment="On a draft.")
    CommentFactory(article=ArticleFactory(scheduled=True), comment="On a scheduled article.")

    _, feed = parse(client, SITE_FEED)

    assert texts(feed) == ["<p>Published.</p>"]


def test_article_feed_of_an_unknown_article_is_404(client, article):
    assert client.get("/2020/06/17/nothing-here/feed/").status_code == 404


def test_article_feed_of_a_draft_is_404(client):
    draft = ArticleFactory(title="Unfinished", draft=True)
    CommentFactory(article=draft)

    assert client.get("/2020/06/17/unfinished/feed/").status_code == 404


def test_article_feed_of_a_scheduled_article_is_404_even_for_staff(client):
    scheduled = ArticleFactory(scheduled=True)
    CommentFactory(article=scheduled)
    client.force_login(StaffFactory())

    assert client.get(feed_url(scheduled)).status_code == 404


def test_article_feed_with_a_wrong_date_redirects_to_the_right_one(client, article):
    response = client.get("/2019/01/01/kaesong/feed/")

    assert response.status_code == 301
    assert response["Location"] == "/2020/06/17/kaesong/feed/"


@pytest.mark.parametrize("order", [OLDEST_FIRST, NEWEST_FIRST])
def test_link_finds_the_comment_on_its_page_as_a_reader_not_logged_in_sees_it(
    client, article, discussion_rules, order
):
    discussion_rules(top_level_per_page=1, order=order)
    CommentFactory(article=article, comment="First thread.")
    # Not counted: a reader not logged in does not see this thread at all...
    CommentFactory(article=article, comment="Held thread.", held=True)
    # ...but sees this one, whose removed first comment stands over an approved reply.
    removed_root = CommentFactory(article=article, comment="Removed root.")
    CommentFactory(article=article, parent=removed_root, comment="Reply kept.")
    services.remove(removed_root)
    CommentFactory(article=article, comment="Last thread.")

    _, feed = parse(client, feed_url(article))

    links = {entry.summary: entry.link for entry in feed.entries}
    for comment in Comment.objects.public():
        assert links[f"<p>{comment.comment}</p>"] == f"http://testserver{comment.url_for(None)}"
    # Three threads shown, one a page: the test reaches past the first page.
    assert any("?cpage=3#" in link for link in links.values())


@pytest.mark.parametrize("header", ["if-none-match", "if-modified-since"])
def test_feed_answers_304_when_nothing_changed(client, article, url, header):
    CommentFactory(article=article, submit_date=timezone.now() - timedelta(hours=1))
    first = client.get(url)
    validator = first["ETag"] if header == "if-none-match" else first["Last-Modified"]

    again = client.get(url, headers={header: validator})

    assert again.status_code == 304


def test_feed_without_comments_answers_304_to_its_etag(client, article, url):
    first = client.get(url)

    assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304


def test_feed_changes_when_a_comment_is_approved(client, article, url):
    held = CommentFactory(article=article, held=True)
    first = client.get(url)
    services.approve(held)

    again = client.get(url, headers={"if-none-match": first["ETag"]})

    assert again.status_code == 200


def test_feed_changes_when_a_comment_is_removed(client, article, url):
    CommentFactory(article=article)
    shown = CommentFactory(article=article)
    first = client.get(url)
    services.remove(shown)

    again = client.get(url, headers={"if-none-match": first["ETag"]})

    assert again.status_code == 200


def test_an_older_comment_approved_later_is_a_modification(client, article, url):
    # Every comment is held first: one submitted before the newest approved one can be
    # approved after it, and a reader asking "modified since?" must get it.
    now = timezone.now()
    # Written before both comments, so that only they date the feed.
    Article.objects.filter(pk=article.pk).update(updated_at=now - timedelta(hours=3))
    older = CommentFactory(article=article, held=True, submit_date=now - timedelta(hours=2))
    CommentFactory(article=article, submit_date=now - timedelta(hours=1))
    first = client.get(url)
    services.approve(older, by=StaffFactory())

    again = client.get(url, headers={"if-modified-since": first["Last-Modified"]})

    assert again.status_code == 200


def test_renaming_the_article_changes_its_comment_feed(client, article):
    CommentFactory(article=article, submit_date=timezone.now() - timedelta(hours=1))
    first = client.get(feed_url(article))
    article.title = "Kaesong, again"
    article.save()

    again = client.get(feed_url(article), headers={"if-none-match": first["ETag"]})

    assert again.status_code == 200


def test_each_feed_has_its_own_etag(client, article):
    CommentFactory(article=article)

    assert client.get(feed_url(article))["ETag"] != client.get(SITE_FEED)["ETag"]


# The content version (the page cache's key, config/page_cache.py), the article, the
# article's content type, the state (newest change and count, one aggregate), the site, the
# discussion rules, the comments with their place in the discussion (one query); content
# type, site and rules are cached after a first request.
ARTICLE_FEED_QUERIES = 1 + 6
# The same without the article, and with one query for the articles the comments are on.
SITE_FEED_QUERIES = 1 + 6


def forget_cached_lookups():
    """Building comments caches the content type and the rules: a first request, cold."""
    ContentType.objects.clear_cache()
    Site.objects.clear_cache()
    cache.clear()
    forget_rules_read_here()


@pytest.mark.parametrize("count", [1, 30], ids=["1 comment", "30 comments"])
def test_article_feed_runs_a_fixed_number_of_queries(
    client, article, count, django_assert_num_queries
):
    for _ in range(count):
        CommentFactory(article=article)
    url = feed_url(article)
    forget_cached_lookups()

    with django_assert_num_queries(ARTICLE_FEED_QUERIES):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("count", [1, 30], ids=["1 comment", "30 comments"])
def test_site_feed_runs_a_fixed_number_of_queries(client, count, django_assert_num_queries):
    articles = ArticleFactory.create_batch(3)
    roots = {}
    for number in range(count):
        article = articles[number % 3]
        # Replies among them: each comment's page is counted from its thread's root.
        parent = roots.get(article.pk) if number % 2 else None
        comment = CommentFactory(article=article, parent=parent)
        roots.setdefault(article.pk, comment)
    forget_cached_lookups()

    with django_assert_num_queries(SITE_FEED_QUERIES):
        assert client.get(SITE_FEED).status_code == 200


def test_a_not_modified_answer_stops_after_the_state(client, article, django_assert_num_queries):
    CommentFactory(article=article, submit_date=timezone.now() - timedelta(hours=1))
    etag = client.get(feed_url(article))["ETag"]

    # The content version (the page cache's key), the article and the state; the content
    # type is cached by the first request.
    with django_assert_num_queries(1 + 2):
        response = client.get(feed_url(article), headers={"if-none-match": etag})
    assert response.status_code == 304


@pytest.mark.django_db
def test_the_article_page_links_its_comment_feed(client):
    article = ArticleFactory()

    page = client.get(article.get_absolute_url()).content.decode()

    assert (
        '<link rel="alternate" type="application/rss+xml" '
        f'title="Comments on “{article.title}”" href="{article.get_absolute_url()}feed/">'
    ) in page
