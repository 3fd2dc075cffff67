import pytest
from django.urls import reverse
from reversion.models import Version

from blog.models import Article

from .factories import MotiveFactory
from .test_admin import article_form, inline_management, section_form

pytestmark = pytest.mark.django_db


def form_data(response):
    """What a browser would post back from an admin change form as rendered."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += formset.forms
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or value is False:
                continue
            if hasattr(field.widget, "decompress") and not isinstance(value, list):
                value = field.widget.decompress(value)
            if isinstance(value, list) and hasattr(field.widget, "widgets"):
                for index, part in enumerate(value):
                    data[f"{form.add_prefix(name)}_{index}"] = "" if part is None else str(part)
            elif isinstance(value, list | tuple):
                data[form.add_prefix(name)] = [str(v.pk if hasattr(v, "pk") else v) for v in value]
            else:
                data[form.add_prefix(name)] = "on" if value is True else str(value)
    return data


@pytest.fixture
def article_with_two_revisions(client, editor):
    """Revision 1: sections "First" then "Second" with a motive. Revision 2: swapped, retitled,
    a third section added, the motive dropped."""
    motive = MotiveFactory(name="Succession")
    data = article_form(author=str(editor.pk), title="Original title")
    data.update(inline_management("sections", 2, 0))
    data.update(section_form(0, 1, "First.", heading="One", motives=[motive]))
    data.update(section_form(1, 2, "Second.", heading="Two"))
    assert client.post(reverse("admin:blog_article_add"), data).status_code == 302
    article = Article.objects.get()
    first, second = article.sections.order_by("position")

    data = article_form(article, title="Changed title")
    data.update(inline_management("sections", 3, 2))
    data.update(section_form(0, 2, "First, edited.", section=first, heading="One", anchor="one"))
    data.update(section_form(1, 1, "Second.", section=second, heading="Two", anchor="two"))
    data.update(section_form(2, 3, "Third.", heading="Three"))
    change = reverse("admin:blog_article_change", args=[article.pk])
    assert client.post(change, data).status_code == 302
    return article


def snapshot(article):
    return [
        (s.position, s.heading, s.body, [m.name for m in s.motives.all()])
        for s in article.sections.order_by("position")
    ]


def test_every_admin_save_is_a_revision_with_who_and_when(article_with_two_revisions, editor):
    versions = Version.objects.get_for_object(article_with_two_revisions)

    assert versions.count() == 2
    assert {version.revision.user for version in versions} == {editor}
    assert all(version.revision.date_created for version in versions)


def test_revision_keeps_sections_and_their_motives(article_with_two_revisions):
    oldest = Version.objects.get_for_object(article_with_two_revisions).last()

    kept = {
        version.field_dict["body"]: version.field_dict["motives"]
        for version in oldest.revision.version_set.all()
        if version.content_type.model == "section"
    }

    assert set(kept) == {"First.", "Second."}
    assert len(kept["First."]) == 1


def test_history_page_lists_the_revisions(client, article_with_two_revisions):
    article = article_with_two_revisions
    url = reverse("admin:blog_article_history", args=[article.pk])

    content = client.get(url).content.decode()

    for version in Version.objects.get_for_object(article):
        revision_url = reverse("admin:blog_article_revision", args=[article.pk, version.pk])
        assert f'href="{revision_url}"' in content
    assert 'action="../history/compare/"' in content


def test_compare_view_shows_what_changed(client, article_with_two_revisions):
    article = article_with_two_revisions
    newest, oldest = Version.objects.get_for_object(article)[:2]
    url = reverse("admin:blog_article_compare", args=[article.pk])

    response = client.get(url, {"version_id1": oldest.pk, "version_id2": newest.pk})

    content = response.content.decode()
    assert response.status_code == 200
    assert "Original title" in content
    assert "Changed title" in content


def test_restoring_a_revision_brings_the_sections_back_exactly(client, article_with_two_revisions):
    article = article_with_two_revisions
    oldest = Version.objects.get_for_object(article).last()
    url = reverse("admin:blog_article_revision", args=[article.pk, oldest.pk])

    preview = client.get(url)
    response = client.post(url, form_data(preview))

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Original title"
    assert snapshot(article) == [
        (1, "One", "First.", ["Succession"]),
        (2, "Two", "Second.", []),
    ]


def test_viewing_an_old_revision_changes_nothing(client, article_with_two_revisions):
    article = article_with_two_revisions
    before = snapshot(article)
    oldest = Version.objects.get_for_object(article).last()

    client.get(reverse("admin:blog_article_revision", args=[article.pk, oldest.pk]))

    article.refresh_from_db()
    assert article.title == "Changed title"
    assert snapshot(article) == before
