import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from blog.models import Article

from .factories import ArticleFactory, MotiveFactory, SectionFactory, TopicFactory

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def sitemap_entries(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    return {
        url.find("s:loc", NS).text: getattr(url.find("s:lastmod", NS), "text", None)
        for url in root.findall("s:url", NS)
    }


def test_sitemap_lists_home_articles_motives_and_topics(client):
    topic = TopicFactory(slug="north-korea")
    motive = MotiveFactory(slug="succession")
    article = ArticleFactory(topics=[topic])
    SectionFactory(article=article, motives=[motive])

    entries = sitemap_entries(client)

    assert "http://testserver/" in entries
    assert f"http://testserver{article.get_absolute_url()}" in entries
    assert "http://testserver/motives/succession/" in entries
    assert "http://testserver/tag/north-korea/" in entries


def test_sitemap_gives_articles_their_last_change(client):
    article = ArticleFactory()

    entries = sitemap_entries(client)

    assert entries[f"http://testserver{article.get_absolute_url()}"] == (
        article.modified_at().date().isoformat()
    )


def test_home_changes_when_a_scheduled_article_comes_out(client):
    article = ArticleFactory(published_at=timezone.now() - timedelta(hours=1))
    # Written days before its publication date came.
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now() - timedelta(days=3))

    entries = sitemap_entries(client)

    assert entries["http://testserver/"] == article.published_at.date().isoformat()


def test_sitemap_leaves_out_unpublished_articles_and_their_tags(client):
    draft = ArticleFactory(draft=True, topics=[TopicFactory(slug="hidden")])
    SectionFactory(article=draft, motives=[MotiveFactory(slug="secret")])
    scheduled = ArticleFactory(scheduled=True)

    entries = sitemap_entries(client)

    assert not any(draft.slug in url or scheduled.slug in url for url in entries)
    assert "http://testserver/tag/hidden/" not in entries
    assert "http://testserver/motives/secret/" not in entries


def test_robots_points_at_the_sitemap_and_keeps_crawlers_out_of_admin(client):
    response = client.get("/robots.txt")

    text = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /admin/" in text
    assert "Disallow: /accounts/" in text
