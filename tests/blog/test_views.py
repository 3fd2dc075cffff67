import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from blog.models import Section

from .factories import (
    ArticleFactory,
    ImageFactory,
    MotiveFactory,
    SectionFactory,
    StaffFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# Home


def test_home_lists_published_articles_newest_first(client):
    older = ArticleFactory(title="Older", published_at=datetime(2020, 6, 1, tzinfo=UTC))
    newer = ArticleFactory(title="Newer", published_at=datetime(2020, 6, 17, tzinfo=UTC))

    response = client.get("/")

    assert response.status_code == 200
    assert list(response.context["articles"]) == [newer, older]


def test_home_hides_drafts_and_scheduled_articles(client):
    ArticleFactory(title="Draft piece", draft=True)
    ArticleFactory(title="Future piece", scheduled=True)

    response = client.get("/")

    assert b"Draft piece" not in response.content
    assert b"Future piece" not in response.content


def test_home_card_shows_excerpt_date_image_and_motive_chips(client):
    motive = MotiveFactory(name="Succession")
    article = ArticleFactory(
        excerpt="Why Kaesong?",
        published_at=datetime(2020, 6, 17, 12, tzinfo=UTC),
        featured_image=ImageFactory(),
    )
    SectionFactory(article=article, motives=[motive])

    content = client.get("/").content.decode()

    assert "Why Kaesong?" in content
    assert "17 June 2020" in content
    assert article.featured_image.file.url in content
    assert 'href="/motives/succession/"' in content


def test_home_is_paginated(client, settings):
    ArticleFactory.create_batch(settings.ARTICLES_PER_PAGE + 1)

    first = client.get("/")
    second = client.get("/?page=2")

    assert len(first.context["articles"]) == settings.ARTICLES_PER_PAGE
    assert len(second.context["articles"]) == 1
    assert client.get("/?page=3").status_code == 404


def test_home_with_nothing_published_says_so(client):
    assert b"Nothing is published yet." in client.get("/").content


# Article


def test_article_page_shows_the_article(client):
    article = ArticleFactory(title="Kaesong", excerpt="The dek.", featured_image=ImageFactory())
    SectionFactory(article=article, position=1, heading="Leaflets", body="Balloons went north.")

    response = client.get(article.get_absolute_url())

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in content
    assert "Kaesong" in content
    assert "The dek." in content
    assert "Balloons went north." in content
    assert article.author.get_full_name() in content
    assert "1 min read" in content
    assert article.featured_image.caption in content
    assert 'fetchpriority="high"' in content


def test_article_sections_have_anchors_and_a_contents_list(client):
    article = ArticleFactory()
    motive = MotiveFactory(name="Sanctions")
    SectionFactory(article=article, position=1, kind=Section.Kind.LEAD, heading="")
    SectionFactory(article=article, position=2, heading="The economy", motives=[motive])

    content = client.get(article.get_absolute_url()).content.decode()

    assert '<section id="lead"' in content
    assert '<section id="the-economy"' in content
    assert '<a href="#the-economy">The economy</a>' in content
    assert '<a href="#lead">Introduction</a>' in content
    assert 'href="/motives/sanctions/"' in content


def test_article_sections_appear_in_position_order(client):
    article = ArticleFactory()
    SectionFactory(article=article, position=2, body="Second part.")
    SectionFactory(article=article, position=1, body="First part.")

    content = client.get(article.get_absolute_url()).content.decode()

    assert content.index("First part.") < content.index("Second part.")


def test_article_links_its_topics(client):
    topic = TopicFactory(name="Kim Yo-jong")
    article = ArticleFactory(topics=[topic])

    content = client.get(article.get_absolute_url()).content.decode()

    assert 'href="/tag/kim-yo-jong/"' in content


def test_article_links_previous_and_next_published_articles(client):
    first = ArticleFactory(published_at=datetime(2020, 1, 1, tzinfo=UTC))
    middle = ArticleFactory(published_at=datetime(2020, 2, 1, tzinfo=UTC))
    last = ArticleFactory(published_at=datetime(2020, 3, 1, tzinfo=UTC))
    ArticleFactory(scheduled=True)

    response = client.get(middle.get_absolute_url())

    assert response.context["previous_article"] == first
    assert response.context["next_article"] == last
    assert client.get(last.get_absolute_url()).context["next_article"] is None


def test_section_body_cannot_inject_script(client):
    article = ArticleFactory()
    SectionFactory(
        article=article,
        body='<script>alert("x")</script> <img src="x" onerror="alert(1)"> text',
    )

    content = client.get(article.get_absolute_url()).content.decode()

    assert "<script>alert" not in content
    assert "onerror" not in content


def test_article_with_wrong_date_redirects_to_its_permalink(client):
    article = ArticleFactory(slug="kaesong", published_at=datetime(2020, 6, 17, 12, tzinfo=UTC))

    response = client.get("/2021/01/01/kaesong/")

    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_unknown_article_is_404_in_the_site_style(client):
    response = client.get("/2020/06/17/no-such-article/")

    assert response.status_code == 404
    assert b"Page not found" in response.content
    assert b"css/site.css" in response.content


@pytest.mark.parametrize("status", ["draft", "scheduled"])
def test_unpublished_article_is_404_for_the_public(client, status):
    article = ArticleFactory(**{status: True})

    assert client.get(article.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("status", ["draft", "scheduled"])
def test_unpublished_article_is_404_for_logged_in_readers(client, status):
    article = ArticleFactory(**{status: True})
    client.force_login(UserFactory())

    assert client.get(article.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("status", ["draft", "scheduled"])
def test_staff_preview_unpublished_articles_with_a_banner(client, status):
    article = ArticleFactory(**{status: True})
    client.force_login(StaffFactory())

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert b'class="preview-banner"' in response.content
    assert b'<meta name="robots" content="noindex">' in response.content
    assert "no-cache" in response["Cache-Control"]


def test_published_article_has_no_preview_banner_for_staff(client):
    article = ArticleFactory()
    client.force_login(StaffFactory())

    assert b"preview-banner" not in client.get(article.get_absolute_url()).content


def test_preview_address_of_a_published_article_redirects_to_its_permalink(client):
    article = ArticleFactory()
    client.force_login(StaffFactory())

    response = client.get(reverse("blog:article_preview", kwargs={"pk": article.pk}))

    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


# Motives


def test_motive_page_lists_published_sections_linked_to_their_anchors(client):
    motive = MotiveFactory(name="Propaganda leaflets", description="Balloons over the border.")
    section = SectionFactory(heading="Leaflets", body="Half a million leaflets.", motives=[motive])
    SectionFactory(article=ArticleFactory(draft=True), heading="Hidden draft", motives=[motive])
    SectionFactory(
        article=ArticleFactory(scheduled=True), heading="Hidden future", motives=[motive]
    )

    response = client.get(motive.get_absolute_url())

    content = response.content.decode()
    assert response.status_code == 200
    assert "Balloons over the border." in content
    assert "Half a million leaflets." in content
    assert f'href="{section.article.get_absolute_url()}#leaflets"' in content
    assert "Hidden draft" not in content
    assert "Hidden future" not in content


def test_motive_page_spans_articles(client):
    motive = MotiveFactory()
    first = SectionFactory(motives=[motive])
    second = SectionFactory(motives=[motive])

    response = client.get(motive.get_absolute_url())

    assert set(response.context["sections"]) == {first, second}


def test_unknown_motive_is_404(client):
    assert client.get("/motives/no-such-motive/").status_code == 404


def test_motive_index_lists_motives_with_published_sections(client):
    argued = MotiveFactory(name="Succession")
    SectionFactory(motives=[argued])
    MotiveFactory(name="Unused")
    SectionFactory(article=ArticleFactory(draft=True), motives=[MotiveFactory(name="Drafted")])

    response = client.get("/motives/")

    assert [motive.name for motive in response.context["motives"]] == ["Succession"]
    assert response.context["motives"][0].section_count == 1


# Topics


def test_topic_page_lists_its_published_articles(client):
    topic = TopicFactory(name="North Korea")
    tagged = ArticleFactory(title="Tagged", topics=[topic])
    ArticleFactory(title="Untagged")
    ArticleFactory(title="Tagged draft", draft=True, topics=[topic])

    response = client.get("/tag/north-korea/")

    assert response.status_code == 200
    assert list(response.context["articles"]) == [tagged]


def test_unknown_topic_is_404(client):
    assert client.get("/tag/nowhere/").status_code == 404


# Layout


def test_pages_have_landmarks_and_a_skip_link(client):
    content = client.get("/").content.decode()

    assert '<a class="skip-link" href="#main">' in content
    assert '<main id="main"' in content
    assert "<header" in content
    assert "<footer" in content
    assert "<nav" in content


LOADED_URL = re.compile(
    r'<(?:img|script|iframe|source|video|audio)\b[^>]*?\b(?:src|srcset)="([^"]+)"'
    r'|<link\b[^>]*?rel="(?:stylesheet|icon|preload|modulepreload)"[^>]*?href="([^"]+)"'
)


def test_pages_load_nothing_from_another_host(client):
    article = ArticleFactory(featured_image=ImageFactory())
    SectionFactory(article=article)

    for url in ["/", article.get_absolute_url(), "/motives/", "/search/?q=article"]:
        content = client.get(url).content.decode()
        loaded = [src or href for src, href in LOADED_URL.findall(content)]
        assert loaded, url
        for address in loaded:
            assert re.match(r"/[^/]", address), (url, address)
        assert "@import" not in content


def test_a_non_ascii_slug_answers_at_its_permalink_and_its_feed(client):
    article = ArticleFactory(title="북한", slug="북한-연락사무소")

    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get(article.get_absolute_url() + "feed/").status_code == 200
