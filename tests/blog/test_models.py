from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import timezone

from blog.models import Article, Section, SectionQuerySet

from .factories import ArticleFactory, MotiveFactory, SectionFactory

pytestmark = pytest.mark.django_db


def test_published_excludes_drafts_and_scheduled_articles():
    published = ArticleFactory()
    ArticleFactory(draft=True)
    ArticleFactory(scheduled=True)

    assert list(Article.objects.published()) == [published]


def test_scheduled_article_becomes_published_when_its_time_comes():
    article = ArticleFactory(published_at=datetime(2030, 1, 1, 9, tzinfo=UTC))

    with time_machine.travel(datetime(2029, 12, 31, tzinfo=UTC)):
        assert not Article.objects.published().exists()
        assert article.status == "scheduled"
    with time_machine.travel(datetime(2030, 1, 1, 9, 1, tzinfo=UTC)):
        assert list(Article.objects.published()) == [article]
        assert article.status == "published"


def test_status_mirrors_the_queryset():
    assert ArticleFactory(draft=True).status == "draft"
    assert ArticleFactory(scheduled=True).status == "scheduled"
    assert ArticleFactory().status == "published"


def test_drafts_and_scheduled_querysets():
    draft = ArticleFactory(draft=True)
    scheduled = ArticleFactory(scheduled=True)

    assert list(Article.objects.drafts()) == [draft]
    assert list(Article.objects.scheduled()) == [scheduled]


def test_newest_article_comes_first():
    older = ArticleFactory(published_at=timezone.now() - timedelta(days=2))
    newer = ArticleFactory(published_at=timezone.now() - timedelta(days=1))

    assert list(Article.objects.published()) == [newer, older]


def test_permalink_carries_the_publication_date():
    article = ArticleFactory(slug="kaesong", published_at=datetime(2020, 6, 17, 12, tzinfo=UTC))

    assert article.get_absolute_url() == "/2020/06/17/kaesong/"


def test_permalink_date_follows_the_site_time_zone(settings):
    settings.TIME_ZONE = "Asia/Seoul"
    article = ArticleFactory(slug="late", published_at=datetime(2020, 6, 16, 20, tzinfo=UTC))

    assert article.get_absolute_url() == "/2020/06/17/late/"


def test_draft_links_to_its_preview():
    article = ArticleFactory(draft=True)

    assert article.get_absolute_url() == f"/preview/{article.pk}/"


def test_slug_is_unique():
    ArticleFactory(slug="same")

    with pytest.raises(IntegrityError):
        ArticleFactory(slug="same")


def test_section_positions_are_unique_within_an_article():
    section = SectionFactory(position=1)

    with pytest.raises(IntegrityError):
        SectionFactory(article=section.article, position=1)


def test_section_body_is_rendered_once_on_save():
    section = SectionFactory(body="Kim Yo-jong *warned* the South.")

    assert section.body_html == "<p>Kim Yo-jong <em>warned</em> the South.</p>"
    assert section.word_count == 5


def test_section_anchor_comes_from_the_heading():
    section = SectionFactory(heading="The failed Hanoi summit")

    assert section.anchor == "the-failed-hanoi-summit"


def test_section_anchor_is_unique_within_the_article():
    first = SectionFactory(heading="", kind=Section.Kind.MOTIVE)
    second = SectionFactory(article=first.article, heading="", kind=Section.Kind.MOTIVE)

    assert (first.anchor, second.anchor) == ("motive", "motive-2")


def test_section_anchor_stays_when_the_heading_changes():
    section = SectionFactory(heading="Leaflets")
    section.heading = "Propaganda leaflets"
    section.save()

    assert section.anchor == "leaflets"


def test_section_url_points_at_its_anchor():
    section = SectionFactory(heading="Sanctions")

    assert section.get_absolute_url() == f"{section.article.get_absolute_url()}#sanctions"


def test_lead_without_heading_is_labelled_introduction():
    assert SectionFactory(heading="", kind=Section.Kind.LEAD).label == "Introduction"
    assert SectionFactory(heading="", kind=Section.Kind.QUESTION).label == "Open question"


def test_article_motives_in_order_of_first_appearance_without_duplicates():
    article = ArticleFactory()
    leaflets, succession = MotiveFactory(), MotiveFactory()
    SectionFactory(article=article, position=1, motives=[succession])
    SectionFactory(article=article, position=2, motives=[leaflets, succession])

    fetched = Article.objects.for_cards().get(pk=article.pk)

    assert fetched.motives() == [succession, leaflets]


def test_reading_time_counts_section_words():
    article = ArticleFactory()
    SectionFactory(article=article, position=1, body=" ".join(["word"] * 300))
    SectionFactory(article=article, position=2, body=" ".join(["word"] * 300))

    assert article.reading_minutes() == 3


def test_park_positions_lifts_sections_out_of_the_way():
    section = SectionFactory(position=2)

    Section.objects.filter(pk=section.pk).park_positions()

    section.refresh_from_db()
    assert section.position == 2 + SectionQuerySet.PARKING_OFFSET


def test_updated_date_shows_only_for_real_later_changes():
    article = ArticleFactory(published_at=timezone.now() - timedelta(days=3))
    Article.objects.filter(pk=article.pk).update(updated_at=article.published_at)
    article.refresh_from_db()
    assert not article.was_updated()

    article.save()
    assert article.was_updated()
