from datetime import UTC, datetime, timedelta

import feedparser
import pytest
from django.utils import timezone
from django.utils.http import http_date

from .factories import ArticleFactory, ImageFactory, MotiveFactory, SectionFactory, TopicFactory

pytestmark = pytest.mark.django_db


def parse(client, url):
    response = client.get(url)
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return response, feed


@pytest.fixture
def article():
    motive = MotiveFactory(name="Succession")
    article = ArticleFactory(
        title="Kaesong",
        excerpt="Why the office fell.",
        published_at=datetime(2020, 6, 17, 12, tzinfo=UTC),
        featured_image=ImageFactory(),
    )
    SectionFactory(article=article, position=1, heading="Leaflets", body="Balloons **north**.")
    SectionFactory(article=article, position=2, heading="Heir", body="Her rise.", motives=[motive])
    return article


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/"])
def test_feed_carries_the_article_in_full(client, article, url):
    _, feed = parse(client, url)

    entry = feed.entries[0]
    assert entry.title == "Kaesong"
    assert entry.link == f"http://testserver{article.get_absolute_url()}"
    assert entry.author == article.author.get_full_name()
    assert entry.summary == "Why the office fell."
    assert [tag.term for tag in entry.tags] == ["Succession"]
    content = entry.content[0].value
    assert "<strong>north</strong>" in content
    assert content.index("Leaflets") < content.index("Heir")
    assert entry.published_parsed[:3] == (2020, 6, 17)


def test_rss_feed_is_rss_2_and_atom_is_atom(client, article):
    assert parse(client, "/feed/")[1].version == "rss20"
    assert parse(client, "/feed/atom/")[1].version == "atom10"


def test_rss_feed_encloses_the_featured_image(client, article):
    _, feed = parse(client, "/feed/")

    enclosure = feed.entries[0].enclosures[0]
    assert enclosure.href == f"http://testserver{article.featured_image.file.url}"
    assert enclosure.type == "image/png"
    assert int(enclosure.length) == article.featured_image.file.size


def test_feed_leaves_out_drafts_and_scheduled_articles(client, article):
    ArticleFactory(title="Draft piece", draft=True)
    ArticleFactory(title="Future piece", scheduled=True)

    _, feed = parse(client, "/feed/")

    assert [entry.title for entry in feed.entries] == ["Kaesong"]


def test_feed_has_the_newest_twenty(client):
    ArticleFactory.create_batch(25)

    _, feed = parse(client, "/feed/")

    assert len(feed.entries) == 20


def test_motive_feed_has_only_that_motives_articles(client, article):
    other = ArticleFactory(title="Other")
    SectionFactory(article=other, motives=[MotiveFactory(name="Sanctions")])

    _, feed = parse(client, "/motives/succession/feed/")

    assert [entry.title for entry in feed.entries] == ["Kaesong"]
    assert feed.feed.title.startswith("Succession")


def test_topic_feed_has_only_that_topics_articles(client):
    topic = TopicFactory(name="Kim Yo-jong")
    ArticleFactory(title="Tagged", topics=[topic])
    ArticleFactory(title="Untagged")

    _, feed = parse(client, "/tag/kim-yo-jong/feed/")

    assert [entry.title for entry in feed.entries] == ["Tagged"]


def test_unknown_motive_feed_is_404(client):
    assert client.get("/motives/nothing/feed/").status_code == 404


def test_feed_answers_304_to_a_matching_etag(client, article):
    first = client.get("/feed/")

    again = client.get("/feed/", headers={"if-none-match": first["ETag"]})

    assert again.status_code == 304


def test_feed_answers_304_when_not_modified_since(client, article):
    first = client.get("/feed/")

    again = client.get("/feed/", headers={"if-modified-since": first["Last-Modified"]})

    assert again.status_code == 304


def test_feed_changes_when_an_article_is_published(client, article):
    first = client.get("/feed/")
    ArticleFactory(published_at=timezone.now() - timedelta(minutes=1))

    again = client.get("/feed/", headers={"if-none-match": first["ETag"]})

    assert again.status_code == 200


def test_feed_is_not_modified_for_an_old_date_only_if_nothing_changed(client, article):
    stale = http_date((article.modified_at() - timedelta(days=1)).timestamp())

    assert client.get("/feed/", headers={"if-modified-since": stale}).status_code == 200


def test_every_page_links_the_site_feeds(client, article):
    for url in ["/", article.get_absolute_url(), "/motives/", "/search/"]:
        content = client.get(url).content.decode()
        assert 'rel="alternate" type="application/rss+xml"' in content, url
        assert 'type="application/atom+xml"' in content, url


def test_motive_page_links_its_feed(client, article):
    content = client.get("/motives/succession/").content.decode()

    assert 'href="/motives/succession/feed/"' in content
