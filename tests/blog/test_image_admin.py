"""The image library in the admin: uploads, thumbnails, search, where an image is used, deletion."""

import io
from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from PIL import Image as PillowImage

from blog.models import Image
from blog.tasks import make_renditions

from .factories import ArticleFactory, ImageFactory, SectionFactory

pytestmark = pytest.mark.django_db


def upload(name="kaesong.jpg", size=(1200, 800), pillow_format="JPEG"):
    buffer = io.BytesIO()
    PillowImage.new("RGB", size, "navy").save(buffer, pillow_format)
    return SimpleUploadedFile(name, buffer.getvalue())


def image_form(file=None, **fields):
    data = {"alt_text": "The office before", "caption": "", "credit": "", **fields}
    if file is not None:
        data["file"] = file
    return data


def stored_files(media_root):
    root = Path(media_root)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def names_of(image):
    return [image.file.name, *(rendition.file.name for rendition in image.renditions.all())]


def test_upload_makes_renditions_and_records_the_uploader(
    client, editor, django_capture_on_commit_callbacks, run_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:blog_image_add"), image_form(upload()))
    run_tasks()

    assert response.status_code == 302
    image = Image.objects.get()
    assert image.uploaded_by == editor
    assert (image.format, image.width, image.height) == ("jpeg", 1200, 800)
    assert {r.width for r in image.renditions.filter(kind="width")} == {480, 800, 1200}


def test_an_upload_answers_before_its_renditions_exist_and_enqueues_one_task(
    client, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:blog_image_add"), image_form(upload()))

    assert response.status_code == 302
    image = Image.objects.get()
    assert not image.renditions.exists()
    (queued,) = DBTaskResult.objects.all()
    assert (queued.task_path, queued.args_kwargs["args"]) == (
        make_renditions.module_path,
        [image.pk],
    )
    assert queued.status == TaskResultStatus.READY


def test_refused_upload_is_an_error_on_the_file_field(client, editor, media_root):
    html = SimpleUploadedFile("kaesong.jpg", b"<html><script>alert(1)</script></html>")

    response = client.post(reverse("admin:blog_image_add"), image_form(html))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == ["file"]
    assert "HTML, SVG or script" in form.errors["file"][0]
    assert "HTML, SVG or script" in response.content.decode()
    assert not Image.objects.exists()
    assert stored_files(media_root) == []


def test_the_file_input_asks_for_the_accepted_types(client, editor):
    content = client.get(reverse("admin:blog_image_add")).content.decode()

    assert 'accept="image/jpeg,image/png,image/webp,image/gif"' in content


def test_list_thumbnails_are_small_renditions_not_originals(client, editor):
    image = ImageFactory()
    smallest = image.renditions.filter(kind="width").order_by("width").first()

    content = client.get(reverse("admin:blog_image_changelist")).content.decode()

    assert f'src="{smallest.file.url}"' in content
    assert smallest.width == 480
    assert image.file.url not in content


def changelist_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("admin:blog_image_changelist")).status_code == 200
    return len(queries)


def test_the_list_runs_as_many_queries_for_one_image_as_for_four(client, editor):
    ImageFactory()
    one = changelist_queries(client)
    ImageFactory.create_batch(3)

    assert changelist_queries(client) == one


@pytest.mark.parametrize(
    ("term", "found"),
    [("liaison", "Smoke over the liaison office"), ("kcna", "Balloons crossing the border")],
)
def test_search_finds_images_by_alt_text_and_caption(client, editor, term, found):
    ImageFactory(alt_text="Smoke over the liaison office", caption="Kaesong")
    ImageFactory(alt_text="Balloons crossing the border", caption="Leaflets, KCNA photo")
    ImageFactory(alt_text="A grey rectangle", caption="Unrelated")

    response = client.get(reverse("admin:blog_image_changelist"), {"q": term})

    assert [image.alt_text for image in response.context["cl"].result_list] == [found]


def test_change_form_shows_a_thumbnail_and_the_articles_using_the_image(client, editor):
    image = ImageFactory()
    featuring = ArticleFactory(title="Kaesong", featured_image=image)
    illustrated = ArticleFactory(title="Leaflets")
    SectionFactory(article=illustrated, heading="Balloons", figure=image)
    ArticleFactory(title="Unrelated")

    content = client.get(reverse("admin:blog_image_change", args=[image.pk])).content.decode()

    smallest = image.renditions.filter(kind="width").order_by("width").first()
    assert f'src="{smallest.file.url}"' in content
    featuring_url = reverse("admin:blog_article_change", args=[featuring.pk])
    illustrated_url = reverse("admin:blog_article_change", args=[illustrated.pk])
    assert f'<a href="{featuring_url}">Kaesong</a> — featured image' in content
    assert f'<a href="{illustrated_url}">Leaflets</a> — figure in “Balloons”' in content
    assert "Unrelated" not in content


def test_change_form_says_when_no_article_uses_the_image(client, editor):
    image = ImageFactory()

    content = client.get(reverse("admin:blog_image_change", args=[image.pk])).content.decode()

    assert "No article shows this image." in content


def test_deleting_an_image_in_use_warns_and_names_the_articles(client, editor):
    image = ImageFactory()
    article = ArticleFactory(title="Kaesong", featured_image=image)

    content = client.get(reverse("admin:blog_image_delete", args=[image.pk])).content.decode()

    assert "This image is in use." in content
    assert "show no image in its place" in content
    article_url = reverse("admin:blog_article_change", args=[article.pk])
    assert f'<a href="{article_url}">Kaesong</a> — featured image' in content


def test_deleting_an_unused_image_has_no_warning(client, editor):
    image = ImageFactory()

    content = client.get(reverse("admin:blog_image_delete", args=[image.pk])).content.decode()

    assert "Are you sure" in content
    assert "in use" not in content


def test_deleting_several_images_warns_about_those_in_use(client, editor):
    used, unused = ImageFactory(caption="Used"), ImageFactory(caption="Unused")
    SectionFactory(article=ArticleFactory(title="Leaflets"), heading="Balloons", figure=used)

    response = client.post(
        reverse("admin:blog_image_changelist"),
        {"action": "delete_selected", ACTION_CHECKBOX_NAME: [used.pk, unused.pk]},
    )

    content = response.content.decode()
    assert "1 of the selected images is in use." in content
    assert "“Used”:" in content
    assert "— figure in “Balloons”" in content
    assert "“Unused”:" not in content


def test_confirmed_deletion_keeps_the_article_and_removes_the_files(
    client, editor, django_capture_on_commit_callbacks, media_root
):
    image = ImageFactory()
    article = ArticleFactory(featured_image=image)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:blog_image_delete", args=[image.pk]), {"post": "yes"})

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.featured_image is None
    assert stored_files(media_root) == []


def test_replacing_the_file_in_the_admin_removes_the_old_files(
    client, editor, django_capture_on_commit_callbacks, run_tasks
):
    image = ImageFactory()
    old_names = names_of(image)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:blog_image_change", args=[image.pk]),
            image_form(upload("after.png", size=(900, 600), pillow_format="PNG")),
        )
    run_tasks()  # the new file's renditions

    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.format, image.width) == ("png", 900)
    assert not any(default_storage.exists(name) for name in old_names)
    assert all(default_storage.exists(name) for name in names_of(image))


def test_editing_the_caption_in_the_admin_keeps_the_file(client, editor):
    image = ImageFactory()
    names = names_of(image)

    response = client.post(
        reverse("admin:blog_image_change", args=[image.pk]), image_form(caption="Better")
    )

    assert response.status_code == 302
    image = Image.objects.get(pk=image.pk)
    assert image.caption == "Better"
    assert names_of(image) == names
