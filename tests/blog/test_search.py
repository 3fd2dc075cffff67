"""Search, on SQLite (plain fallback) and on PostgreSQL (full-text), whichever runs the suite."""

import pytest
from django.db import connection

from blog.models import Section

from .factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db

FULL_TEXT = connection.vendor == "postgresql"


def titles(response):
    return [article.title for article in response.context["results"]]


@pytest.fixture
def articles():
    leaflets = ArticleFactory(title="Leaflets over the border", excerpt="Balloons.")
    SectionFactory(article=leaflets, position=1, heading="Balloons", body="Dollar bills and USB.")
    office = ArticleFactory(title="The liaison office", excerpt="Kaesong.")
    SectionFactory(article=office, position=1, heading="Lead", body="The office was blown up.")
    SectionFactory(
        article=office,
        position=2,
        heading="Propaganda",
        body="Defectors sent leaflets in balloons.",
    )
    return {"leaflets": leaflets, "office": office}


def test_search_finds_articles_by_their_sections(client, articles):
    response = client.get("/search/", {"q": "defectors"})

    assert titles(response) == ["The liaison office"]


def test_title_matches_rank_first(client, articles):
    response = client.get("/search/", {"q": "leaflets"})

    assert titles(response) == ["Leaflets over the border", "The liaison office"]


def test_result_links_the_matching_section_by_its_anchor(client, articles):
    response = client.get("/search/", {"q": "defectors"})

    content = response.content.decode()
    office = articles["office"]
    assert f'href="{office.get_absolute_url()}#propaganda"' in content


def test_result_snippet_highlights_the_words(client, articles):
    response = client.get("/search/", {"q": "defectors"})

    assert "<mark>Defectors</mark>" in response.content.decode()


def test_search_never_finds_drafts_or_scheduled_articles(client):
    SectionFactory(article=ArticleFactory(draft=True), body="secret kaesong plan")
    SectionFactory(article=ArticleFactory(scheduled=True), body="future kaesong plan")

    assert titles(client.get("/search/", {"q": "kaesong"})) == []


def test_snippet_escapes_what_it_shows(client):
    article = ArticleFactory(title="Escapes")
    Section.objects.create(article=article, position=1, body="kaesong <b>bold</b> & <i>x</i>")

    content = client.get("/search/", {"q": "kaesong"}).content.decode()

    assert "<b>bold</b>" not in content


def test_search_results_are_paged(client, settings):
    for _ in range(settings.ARTICLES_PER_PAGE + 2):
        SectionFactory(article=ArticleFactory(), body="sanctions everywhere")

    first = client.get("/search/", {"q": "sanctions"})
    second = client.get("/search/", {"q": "sanctions", "page": 2})

    assert len(first.context["results"]) == settings.ARTICLES_PER_PAGE
    assert len(second.context["results"]) == 2
    assert 'href="?q=sanctions&amp;page=2"' in first.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "x" * 500,
        '"liaison office"',
        "'; DROP TABLE blog_article; --",
        "100%",
        "under_score",
        "back\\slash",
        "\\",
        "%_%",
        "null\x00byte",
        "김여정 🎈 مرحبا",
        "e\u0301\u200b\u202e",
        "-",
        "or",
        "!@#$%^&*()",
    ],
)
def test_odd_queries_answer_200(client, articles, query):
    response = client.get("/search/", {"q": query})

    assert response.status_code == 200


def test_percent_and_underscore_are_literal(client, articles):
    assert titles(client.get("/search/", {"q": "100%"})) == []
    assert titles(client.get("/search/", {"q": "_"})) == []


def test_long_query_is_cut_and_shown(client, articles):
    response = client.get("/search/", {"q": "leaflets " + "x" * 500})

    assert len(response.context["query"]) == 200


def test_empty_query_asks_for_words_and_runs_no_search_query(client, django_assert_num_queries):
    # Only the content version, which the page cache reads for every page (config/page_cache.py).
    with django_assert_num_queries(1):
        response = client.get("/search/", {"q": ""})

    assert b"Type a word or a phrase" in response.content


@pytest.mark.parametrize("count", [1, 25])
def test_search_query_count_is_fixed(client, django_assert_num_queries, count):
    for _ in range(count):
        article = ArticleFactory()
        SectionFactory(article=article, position=1, body="kaesong office")
        SectionFactory(article=article, position=2, body="kaesong leaflets")

    # the content version (the page cache's key), the ranked hits (on PostgreSQL: matching
    # sections, then matching articles), the page's articles, the page's matching sections
    # with their snippets
    with django_assert_num_queries(1 + (4 if FULL_TEXT else 3)):
        client.get("/search/", {"q": "kaesong"})


def test_header_has_a_search_box(client):
    content = client.get("/").content.decode()

    assert 'role="search"' in content
    assert 'name="q"' in content


def test_only_full_text_search_matches_word_forms(client, articles):
    # PostgreSQL stems "offices" and "office" alike; the fallback matches text as typed.
    expected = ["The liaison office"] if FULL_TEXT else []

    assert titles(client.get("/search/", {"q": "offices"})) == expected


def test_full_text_search_uses_the_gin_indexes_on_postgresql(articles):

    from blog.search import matching_articles, matching_sections, search_query_for

    queries = [matching_articles, matching_sections]
    with connection.cursor() as cursor:
        if not FULL_TEXT:
            # SQLite has no GIN index: the fallback scans, and the migration adds nothing.
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE '%search_idx'")
            assert cursor.fetchall() == []
            return
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = ""
        for matching in queries:
            queryset = matching(search_query_for("leaflets")).values("pk")
            sql, params = queryset.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan += "\n".join(row[0] for row in cursor.fetchall())

    assert "article_search_idx" in plan
    assert "section_search_idx" in plan
