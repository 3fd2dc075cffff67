import json
import re
from datetime import UTC, datetime
from html import unescape

import pytest

from .factories import ArticleFactory, ImageFactory, MotiveFactory, SectionFactory, TopicFactory

pytestmark = pytest.mark.django_db


def meta(content, key):
    pattern = rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"'
    return [unescape(value) for value in re.findall(pattern, content)]


def json_ld(content):
    blocks = re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', content, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


@pytest.fixture
def article():
    article = ArticleFactory(
        title="Kaesong </script><script>alert(1)</script>",
        excerpt="Why the office fell.",
        published_at=datetime(2020, 6, 17, 12, tzinfo=UTC),
        featured_image=ImageFactory(),
        topics=[TopicFactory(name="North Korea")],
    )
    SectionFactory(article=article, motives=[MotiveFactory(name="Succession")])
    return article


@pytest.fixture
def page(client, article):
    return client.get(article.get_absolute_url()).content.decode()


def test_article_has_a_canonical_link_and_description(page, article):
    assert f'<link rel="canonical" href="http://testserver{article.get_absolute_url()}">' in page
    assert '<meta name="description" content="Why the office fell.">' in page


def test_article_open_graph(page, article):
    card = article.featured_image.social_card
    assert meta(page, "og:type") == ["article"]
    assert meta(page, "og:title") == [article.title]
    assert meta(page, "og:description") == ["Why the office fell."]
    assert meta(page, "og:url") == [f"http://testserver{article.get_absolute_url()}"]
    assert meta(page, "og:image") == [f"http://testserver{card.file.url}"]
    assert meta(page, "og:image:width") == [str(card.width)]
    assert meta(page, "og:image:height") == [str(card.height)]
    assert meta(page, "article:published_time") == ["2020-06-17T12:00:00+00:00"]
    assert meta(page, "article:modified_time") == [article.modified_at().isoformat()]
    assert meta(page, "article:tag") == ["Succession", "North Korea"]
    assert meta(page, "twitter:card") == ["summary_large_image"]


def test_json_ld_describes_the_page(page, article):
    data = json_ld(page)

    assert data["@type"] == "BlogPosting"
    assert data["headline"] == article.title
    assert data["datePublished"] == "2020-06-17T12:00:00Z"
    assert data["author"]["name"] == article.author.get_full_name()
    assert data["image"]["url"] == meta(page, "og:image")[0]
    assert data["image"]["width"] == article.featured_image.social_card.width
    assert data["keywords"] == meta(page, "article:tag")
    assert data["commentCount"] == 0
    assert data["url"] == meta(page, "og:url")[0]


def test_json_ld_cannot_close_its_script_element(page):
    assert "<script>alert(1)" not in page


def test_listing_pages_have_a_canonical_link_that_keeps_the_page_number(client, settings):
    ArticleFactory.create_batch(settings.ARTICLES_PER_PAGE + 1)

    content = client.get("/?page=2&utm_source=x").content.decode()

    assert '<link rel="canonical" href="http://testserver/?page=2">' in content
    assert meta(content, "og:type") == ["website"]


def test_social_card_is_the_1200_by_630_crop(client):
    article = ArticleFactory(featured_image=ImageFactory(file__width=2000, file__height=1500))

    content = client.get(article.get_absolute_url()).content.decode()

    assert meta(content, "og:image:width") == ["1200"]
    assert meta(content, "og:image:height") == ["630"]
    assert meta(content, "og:image")[0].endswith(article.featured_image.social_card.file.name)


def test_article_without_image_gets_a_plain_card(client):
    article = ArticleFactory()

    content = client.get(article.get_absolute_url()).content.decode()

    assert meta(content, "twitter:card") == ["summary"]
    assert meta(content, "og:image") == []
    assert "image" not in json_ld(content)
