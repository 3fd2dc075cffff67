import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from blog.models import Article, Image, Section

from .factories import (
    ArticleFactory,
    ImageFactory,
    MotiveFactory,
    SectionFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def inline_management(prefix, total, initial):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def article_form(article=None, **overrides):
    data = {
        "title": "Kaesong",
        "slug": "kaesong",
        "excerpt": "Why the office fell.",
        "author": "",
        "published_at_0": "2020-06-17",
        "published_at_1": "12:00:00",
        "allow_comments": "on",
        "comments_close_at_0": "",
        "comments_close_at_1": "",
    }
    if article is not None:
        data.update(title=article.title, slug=article.slug, author=str(article.author_id))
    data.update(overrides)
    return data


def section_form(index, position, body, section=None, motives=(), **fields):
    prefix = f"sections-{index}"
    data = {
        f"{prefix}-position": str(position),
        f"{prefix}-kind": fields.get("kind", "context"),
        f"{prefix}-heading": fields.get("heading", ""),
        f"{prefix}-anchor": fields.get("anchor", ""),
        f"{prefix}-body": body,
        f"{prefix}-figure": "",
        f"{prefix}-motives": [str(motive.pk) for motive in motives],
        f"{prefix}-article": str(section.article_id) if section else "",
        f"{prefix}-id": str(section.pk) if section else "",
    }
    if fields.get("delete"):
        data[f"{prefix}-DELETE"] = "on"
    return data


def test_editor_adds_an_article_with_sections_and_motives(client, editor):
    motive = MotiveFactory(name="Succession")
    topic = TopicFactory()
    data = article_form(author=str(editor.pk), topics=[str(topic.pk)])
    data.update(inline_management("sections", 2, 0))
    data.update(section_form(0, 1, "The lead.", kind="lead"))
    data.update(section_form(1, 2, "Kim Yo-jong rose.", heading="Successor", motives=[motive]))

    response = client.post(reverse("admin:blog_article_add"), data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    article = Article.objects.get(slug="kaesong")
    assert [s.body for s in article.sections.all()] == ["The lead.", "Kim Yo-jong rose."]
    assert list(article.sections.get(position=2).motives.all()) == [motive]
    assert list(article.topics.all()) == [topic]
    assert article.sections.get(position=2).anchor == "successor"


def test_add_form_suggests_the_editor_as_author(client, editor):
    response = client.get(reverse("admin:blog_article_add"))

    assert response.context["adminform"].form.initial["author"] == editor.pk


def test_editor_reorders_sections_by_swapping_positions(client, editor):
    article = ArticleFactory()
    first = SectionFactory(article=article, position=1, body="First.")
    second = SectionFactory(article=article, position=2, body="Second.")
    data = article_form(article)
    data.update(inline_management("sections", 2, 2))
    data.update(section_form(0, 2, "First.", section=first, heading=first.heading))
    data.update(section_form(1, 1, "Second.", section=second, heading=second.heading))

    response = client.post(reverse("admin:blog_article_change", args=[article.pk]), data)

    assert response.status_code == 302
    assert [s.body for s in article.sections.order_by("position")] == ["Second.", "First."]


def test_duplicate_positions_are_refused_with_a_message(client, editor):
    article = ArticleFactory()
    first = SectionFactory(article=article, position=1, body="First.")
    data = article_form(article)
    data.update(inline_management("sections", 2, 1))
    data.update(section_form(0, 1, "First.", section=first, heading=first.heading))
    data.update(section_form(1, 1, "Also first."))

    response = client.post(reverse("admin:blog_article_change", args=[article.pk]), data)

    assert response.status_code == 200
    assert "Please correct the duplicate data for position" in response.content.decode()
    assert article.sections.count() == 1


def test_editor_deletes_a_section(client, editor):
    article = ArticleFactory()
    keep = SectionFactory(article=article, position=1, body="Keep.")
    drop = SectionFactory(article=article, position=2, body="Drop.")
    data = article_form(article)
    data.update(inline_management("sections", 2, 2))
    data.update(section_form(0, 1, "Keep.", section=keep, heading=keep.heading))
    data.update(section_form(1, 2, "Drop.", section=drop, heading=drop.heading, delete=True))

    response = client.post(reverse("admin:blog_article_change", args=[article.pk]), data)

    assert response.status_code == 302
    assert list(article.sections.all()) == [keep]


def test_editing_a_section_body_rerenders_its_html(client, editor):
    article = ArticleFactory()
    section = SectionFactory(article=article, position=1, body="Old.")
    data = article_form(article)
    data.update(inline_management("sections", 1, 1))
    data.update(section_form(0, 1, "New **words**.", section=section, heading=section.heading))

    client.post(reverse("admin:blog_article_change", args=[article.pk]), data)

    section.refresh_from_db()
    assert section.body_html == "<p>New <strong>words</strong>.</p>"


@pytest.mark.parametrize(
    ("status", "expected"),
    [("published", "Published piece"), ("draft", "Draft piece"), ("scheduled", "Future piece")],
)
def test_changelist_filters_by_status(client, editor, status, expected):
    ArticleFactory(title="Published piece")
    ArticleFactory(title="Draft piece", draft=True)
    ArticleFactory(title="Future piece", scheduled=True)

    response = client.get(reverse("admin:blog_article_changelist"), {"status": status})

    titles = [article.title for article in response.context["cl"].result_list]
    assert titles == [expected]


def test_changelist_searches_titles(client, editor):
    ArticleFactory(title="Kaesong office")
    ArticleFactory(title="Something else")

    response = client.get(reverse("admin:blog_article_changelist"), {"q": "kaesong"})

    assert [a.title for a in response.context["cl"].result_list] == ["Kaesong office"]


def test_view_on_site_reaches_a_draft_preview(client, editor):
    article = ArticleFactory(draft=True)
    content_type = ContentType.objects.get_for_model(Article)

    redirect = client.get(reverse("admin:view_on_site", args=[content_type.pk, article.pk]))
    page = client.get(redirect["Location"])

    assert redirect["Location"].endswith(f"/preview/{article.pk}/")
    assert page.status_code == 200
    assert b"This is a draft" in page.content


def test_motive_admin_counts_sections(client, editor):
    motive = MotiveFactory()
    SectionFactory.create_batch(2, motives=[motive])

    response = client.get(reverse("admin:blog_motive_changelist"))

    assert response.context["cl"].result_list[0].usage_count == 2
    assert "2 sections" in response.content.decode()


def test_topic_admin_counts_articles(client, editor):
    topic = TopicFactory()
    ArticleFactory.create_batch(3, topics=[topic])

    response = client.get(reverse("admin:blog_topic_changelist"))

    assert response.context["cl"].result_list[0].usage_count == 3
    assert "3 articles" in response.content.decode()


def test_motive_autocomplete_finds_by_name(client, editor):
    MotiveFactory(name="Succession")
    MotiveFactory(name="Sanctions")
    url = reverse("admin:autocomplete")

    response = client.get(
        url,
        {"term": "succ", "app_label": "blog", "model_name": "section", "field_name": "motives"},
    )

    assert [result["text"] for result in response.json()["results"]] == ["Succession"]


def test_image_upload_records_the_uploader_and_size(client, editor):
    upload = ImageFactory.build().file
    response = client.post(
        reverse("admin:blog_image_add"),
        {"file": upload, "alt_text": "The office before", "caption": "", "credit": ""},
    )

    assert response.status_code == 302
    image = Image.objects.get()
    assert image.uploaded_by == editor
    assert (image.width, image.height) == (640, 360)


def test_image_without_alt_text_is_refused(client, editor):
    response = client.post(
        reverse("admin:blog_image_add"),
        {"file": ImageFactory.build().file, "alt_text": "", "caption": "", "credit": ""},
    )

    assert response.status_code == 200
    assert not Image.objects.exists()


def test_sections_are_edited_inline_on_the_article(client, editor):
    article = ArticleFactory()
    SectionFactory(article=article)

    response = client.get(reverse("admin:blog_article_change", args=[article.pk]))

    assert response.status_code == 200
    assert "sections-0-body" in response.content.decode()
    assert Section.objects.count() == 1


def test_two_sections_with_the_same_anchor_are_refused(client, editor):
    article = ArticleFactory()
    data = article_form(article)
    data.update(inline_management("sections", 2, 0))
    data.update(section_form(0, 1, "One.", anchor="same"))
    data.update(section_form(1, 2, "Two.", anchor="same"))

    response = client.post(reverse("admin:blog_article_change", args=[article.pk]), data)

    assert response.status_code == 200
    assert "Two sections cannot share the anchor same." in response.content.decode()
    assert not article.sections.exists()
