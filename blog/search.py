"""Site search: PostgreSQL full-text search when available, a plain fallback on SQLite.

`search_articles()` ranks every match as a light "hit" (article id, best section id,
score) and returns them as SearchResults, which loads only the page's articles when
the paginator slices it; `attach_matches()` then loads that page's matching sections
and snippets in one query. The query count is fixed whatever the number of results.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Case, Exists, FloatField, OuterRef, Q, Subquery, When
from django.db.models import Value as V
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

from .models import Article, Section

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
SNIPPET_CHARS = 220
SEARCH_CONFIG = "english"
# Private-use characters mark highlights in PostgreSQL's headline, so that the
# text can be escaped before the markers become <mark> tags.
MARK_START, MARK_END = "\ue000", "\ue001"


def clean_query(raw):
    """Visible characters only, single spaces, at most MAX_QUERY_LENGTH characters."""
    visible = "".join(
        char if not unicodedata.category(char).startswith(("C", "Z")) else " " for char in raw
    )
    return " ".join(visible.split())[:MAX_QUERY_LENGTH].strip()


def uses_full_text_search():
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class Hit:
    article_id: int
    section_id: int | None
    score: float
    published_at: datetime


class SearchResults(Sequence):
    """Ranked hits; a slice loads its articles in one query, as a paginator asks per page."""

    def __init__(self, hits=()):
        self.hits = list(hits)

    def __len__(self):
        return len(self.hits)

    def count(self):
        return len(self.hits)

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1 or None][0]
        hits = self.hits[index]
        articles = Article.objects.select_related("author").in_bulk([h.article_id for h in hits])
        page = []
        for hit in hits:
            article = articles[hit.article_id]
            article.best_section_id = hit.section_id
            article.score = hit.score
            page.append(article)
        return page


def search_articles(query):
    if uses_full_text_search():
        return SearchResults(_postgres_hits(query))
    return SearchResults(Hit(*row) for row in _plain_search(query))


def attach_matches(articles, query):
    """Give each article on the page its matching section and a highlighted snippet."""
    section_ids = [a.best_section_id for a in articles if a.best_section_id]
    sections = Section.objects.filter(pk__in=section_ids)
    if uses_full_text_search():
        sections = sections.annotate(headline=_headline(query))
    by_id = {section.pk: section for section in sections}
    terms = _terms(query)
    for article in articles:
        article.match_section = by_id.get(article.best_section_id)
        if article.match_section is None:
            article.snippet = _highlight(article.excerpt, terms)
        elif uses_full_text_search():
            article.snippet = _markers_to_marks(article.match_section.headline)
        else:
            article.snippet = _highlight(strip_tags(article.match_section.body_html), terms)
    return articles


# PostgreSQL


def article_vector():
    return SearchVector("title", weight="A", config=SEARCH_CONFIG) + SearchVector(
        "excerpt", weight="B", config=SEARCH_CONFIG
    )


def section_vector():
    return SearchVector("heading", weight="C", config=SEARCH_CONFIG) + SearchVector(
        "body", weight="D", config=SEARCH_CONFIG
    )


def search_query_for(query):
    # websearch syntax never raises on user input: quotes, "or", "-word" all allowed.
    return SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)


def matching_articles(search_query):
    return Article.objects.annotate(document=article_vector()).filter(document=search_query)


def matching_sections(search_query):
    return Section.objects.annotate(document=section_vector()).filter(document=search_query)


def _postgres_hits(query):
    search_query = search_query_for(query)
    published = Article.objects.published()
    # Both filter on the same expression as their GIN index (migration 0002); the
    # rank is then computed for matching rows only, each section once.
    best_sections = (
        matching_sections(search_query)
        .filter(article__in=published)
        .annotate(rank=SearchRank(section_vector(), search_query))
        .order_by("article_id", "-rank", "position")
        .distinct("article_id")
        .values_list("article_id", "pk", "rank", "article__published_at")
    )
    articles = (
        matching_articles(search_query)
        .filter(pk__in=published)
        .annotate(rank=SearchRank(article_vector(), search_query))
        .values_list("pk", "rank", "published_at")
    )
    found = {pk: [rank, None, published_at] for pk, rank, published_at in articles}
    for article_id, section_id, rank, published_at in best_sections:
        entry = found.setdefault(article_id, [0.0, None, published_at])
        entry[0] += rank
        entry[1] = section_id
    hits = [Hit(pk, section_id, score, date) for pk, (score, section_id, date) in found.items()]
    hits.sort(key=lambda hit: (-hit.score, -hit.published_at.timestamp(), -hit.article_id))
    return hits


def _headline(query):
    return SearchHeadline(
        "body",
        search_query_for(query),
        config=SEARCH_CONFIG,
        start_sel=MARK_START,
        stop_sel=MARK_END,
        min_words=15,
        max_words=40,
    )


def _markers_to_marks(text):
    html = escape(text).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(html)  # the text was escaped; only our own <mark> tags were added


# SQLite and other databases


def _terms(query):
    return [term for term in re.split(r"\s+", query.replace('"', " ")) if term][:MAX_TERMS]


def _contains_all(terms, fields):
    """Every term appears in one of the fields at least."""
    condition = Q()
    for term in terms:
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__icontains": term})
        condition &= any_field
    return condition


def _plain_search(query):
    terms = _terms(query) or [query]
    in_sections = Section.objects.filter(article=OuterRef("pk")).filter(
        _contains_all(terms, ["heading", "body"])
    )
    first_match = Section.objects.filter(article=OuterRef("pk")).filter(
        _contains_all(terms[:1], ["heading", "body"])
    )
    in_title = _contains_all(terms, ["title"])
    return (
        Article.objects.published()
        .filter(_contains_all(terms, ["title", "excerpt"]) | Q(Exists(in_sections)))
        .annotate(
            best_section_id=Subquery(first_match.order_by("position").values("pk")[:1]),
            # Title matches first, then the rest, newest first.
            score=Case(When(in_title, then=V(2.0)), default=V(1.0), output_field=FloatField()),
        )
        .order_by("-score", "-published_at", "-id")
        .values_list("pk", "best_section_id", "score", "published_at")
    )


def _highlight(text, terms):
    """Cut `text` around the first term found, escape it, and mark every term."""
    position = min(
        (found for term in terms if (found := text.lower().find(term.lower())) >= 0),
        default=0,
    )
    start = max(0, position - SNIPPET_CHARS // 3)
    snippet = text[start : start + SNIPPET_CHARS]
    parts = ["… " if start else ""]
    last = 0
    if terms:
        alternatives = "|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True))
        for match in re.finditer(alternatives, snippet, flags=re.IGNORECASE):
            parts += [escape(snippet[last : match.start()]), f"<mark>{escape(match[0])}</mark>"]
            last = match.end()
    parts.append(escape(snippet[last:]))
    parts.append(" …" if start + SNIPPET_CHARS < len(text) else "")
    return mark_safe("".join(parts))  # every piece of text was escaped above
