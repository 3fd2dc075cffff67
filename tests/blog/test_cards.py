"""A listing's cards are rendered once per content version (blog/cards.py): a listing built
anew reuses them, and every change to what a card shows renders it again.

These tests commit (transaction=True), as the site does: the content version moves only
once a change has committed.
"""

import re
from datetime import UTC, datetime

import pytest

from blog.models import Article
from comments import services
from tests.comments.factories import CommentFactory

from .factories import ArticleFactory, ImageFactory, StaffFactory, TopicFactory

pytestmark = pytest.mark.django_db(transaction=True)

# Past the site's page cache (config/page_cache.py), not past the cards' cache.
RENDERED_AGAIN = {"Cache-Control": "no-cache"}


def listing(client, url="/"):
    response = client.get(url, headers=RENDERED_AGAIN)
    assert response.status_code == 200
    return response.content.decode()


def test_a_listing_rendered_again_shows_the_cards_it_rendered_before(client):
    article = ArticleFactory(title="Kaesong", excerpt="The office is gone.")
    first = listing(client)
    # Behind the content version's back (update() bumps nothing): only a card read again
    # from the database would show it.
    Article.objects.filter(pk=article.pk).update(excerpt="Rebuilt.")

    assert listing(client) == first
    assert "The office is gone." in first


def test_a_card_follows_an_edit_of_its_article(client):
    article = ArticleFactory(title="Kaesong")
    listing(client)

    article.title = "Kaesong, a year on"
    article.save()

    assert "Kaesong, a year on" in listing(client)


def test_a_card_follows_its_articles_comment_count(client):
    held = CommentFactory(held=True)
    assert "1 comment<" not in listing(client)

    services.approve(held, by=StaffFactory())

    assert "1 comment<" in listing(client)


def test_a_card_follows_a_replaced_image(client):
    article = ArticleFactory(featured_image=ImageFactory(tiny=True))
    before = listing(client)

    article.featured_image = ImageFactory(tiny=True, file__filename="after.png")
    article.save()

    after = listing(client)
    assert "after" not in before
    assert re.search(r'src="/media/[^"]*after', after)


def test_the_first_card_of_each_listing_loads_its_picture_eagerly(client):
    topic = TopicFactory(slug="kaesong")
    tagged = ArticleFactory(
        featured_image=ImageFactory(tiny=True),
        topics=[topic],
        published_at=datetime(2020, 6, 1, tzinfo=UTC),
    )
    ArticleFactory(
        featured_image=ImageFactory(tiny=True), published_at=datetime(2020, 6, 17, tzinfo=UTC)
    )

    # Second on the home page, first on its topic's page.
    home = listing(client)
    topic_page = listing(client, "/tag/kaesong/")

    assert re.findall(r'loading="(\w+)"', home) == ["eager", "lazy"]
    assert re.findall(r'loading="(\w+)"', topic_page) == ["eager"]
    assert tagged.title in topic_page
