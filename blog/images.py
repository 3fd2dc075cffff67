"""The image pipeline: what an upload must be, what is stored, and the renditions made from it.

An upload is judged by its bytes, never by its name or the browser's content type. What
reaches storage is never the uploaded file itself but Pillow's re-encoding of its decoded
pixels: the EXIF orientation applied, colours converted to sRGB, and no metadata at all
(EXIF with GPS and camera, XMP, comments, ICC profile). All of that happens in the upload's
request, so that a bad file is refused there and then with its message. The renditions are
made afterwards, by a task (blog/tasks.py: make_renditions) enqueued once the upload commits,
from the stored original, whose pixels are already clean; until they exist, pages show the
original. Every file goes through the field's storage API, so that S3-style storage needs
no change here.

The model side stays thin: `Image.save()` calls `storing_upload()`, the task calls
`make_renditions()`, and deleting an Image or a Rendition row calls `delete_after_commit()`
for its file.
"""

import io
import re
import struct
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.text import slugify
from PIL import Image as PillowImage
from PIL import ImageCms, ImageOps, ImageSequence, JpegImagePlugin

# Our names for the accepted formats: Pillow's name, the file extension, the MIME type.
FORMATS = {
    "jpeg": ("JPEG", "jpg", "image/jpeg"),
    "png": ("PNG", "png", "image/png"),
    "webp": ("WEBP", "webp", "image/webp"),
    "gif": ("GIF", "gif", "image/gif"),
}
FORMAT_CHOICES = [("jpeg", "JPEG"), ("png", "PNG"), ("webp", "WebP"), ("gif", "GIF")]
# A JPEG with an MPF index (phones' HDR gain maps, depth maps) opens as "MPO": its first image
# is the photo itself, and only that one is kept.
PILLOW_FORMATS = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
# The only decoders Pillow may try on an upload.
PILLOW_FORMATS_OPENED = ["JPEG", "PNG", "WEBP", "GIF"]
ACCEPT = ",".join(mime for _, _, mime in FORMATS.values())

# The img's `src`, for the rare client that ignores srcset: the first rung at least this wide.
SRC_WIDTH = 800
SOCIAL_SIZE = (1200, 630)

JPEG_QUALITY = 82
WEBP_QUALITY = 80
# For an original whose own JPEG quantisation cannot be reused (a WebP, a CMYK JPEG).
ORIGINAL_QUALITY = 90

# Polyglot rule. A file is refused when markup a browser or an interpreter would act on
# (HTML, SVG, script, PHP) appears in its first MARKUP_SCAN_BYTES, in any of its metadata
# (JPEG segments, PNG chunks, GIF extensions, WebP chunks: never the compressed pixels,
# where such bytes turn up by chance) or in the text Pillow decodes from it; and when
# anything but padding follows the image's own end (PNG's IEND, GIF's trailer, the RIFF
# length of a WebP, a JPEG's EOI; a JPEG may be followed by the further JPEG images its MPF
# index lists, as phones write HDR gain maps). Pillow would decode such files happily and
# what is stored is re-encoded anyway, but a file that is both an image and a page or a
# script was made to be misread somewhere: it is refused rather than cleaned.
MARKUP_SCAN_BYTES = 4096
MARKUP = re.compile(
    rb"<\s*(?:script|html|body|iframe|object|embed|svg[\s>/])|<!doctype\s+html|<\?php",
    re.IGNORECASE,
)
PADDING = b"\x00\t\n\r "

MESSAGES = {
    "too_large": "The file is %(size)s; the limit is %(limit)s. "
    "Save it smaller and upload it again.",
    "markup": "This file contains HTML, SVG or script, which is never accepted as an image. "
    "Only JPEG, PNG, WebP and GIF images are.",
    "unsupported": "This file is not a JPEG, PNG, WebP or GIF image, whatever its name says. "
    "Only those four formats are accepted.",
    "trailing_data": "This file carries other data after the end of the image. Open it in an "
    "image editor, save it again as a plain JPEG, PNG, WebP or GIF, and upload that.",
    "truncated": "The image is incomplete: the file ends before the image does. "
    "Upload it again, or save it again from the original.",
    "corrupt": "The image is damaged and cannot be read. Save it again from the original.",
    "too_many_pixels": "The image is %(width)s × %(height)s pixels%(frames)s: more than the "
    "%(limit)s million pixels accepted. Make it smaller and upload it again.",
    # Pillow's own guard against decompression bombs fired before the size could be read.
    "pixel_bomb": "The image declares more pixels than can be safely decoded (the limit is "
    "%(limit)s million). Make it smaller and upload it again.",
}


def refuse(message, code=None, **params):
    return ValidationError(MESSAGES[message], code=code or message, params=params)


def extension(image_format):
    return FORMATS[image_format][1]


def mime_type(image_format):
    return FORMATS[image_format][2]


def fallback_format(image_format):
    """The format of the img's renditions: the original's, but a still PNG for a GIF."""
    return "png" if image_format == "gif" else image_format


def target_widths(width):
    """The configured rendition widths, capped at the original's: never upscaled."""
    return sorted({min(target, width) for target in settings.IMAGE_RENDITION_WIDTHS})


def original_stands_in(image_format, frames, width):
    """Whether the stored original is itself the widest rung of the img's srcset.

    A still original in the fallback format, no wider than the widest rendition, would be
    re-encoded at its own size into a copy of itself: it is used as it is instead.
    """
    return (
        frames == 1
        and fallback_format(image_format) == image_format
        and width <= max(settings.IMAGE_RENDITION_WIDTHS)
    )


# Validation


class PreparedImage(ContentFile):
    """An upload that passed validation, re-encoded clean, with the pixels its renditions need."""

    def __init__(self, content, name, *, image_format, width, height, frames, still):
        super().__init__(content, name=name)
        self.image_format = image_format
        self.width = width
        self.height = height
        self.frames = frames
        self.still = still  # the first frame, oriented, sRGB, no metadata


def prepare(upload):
    """Validate an uploaded file by its content and return it re-encoded, stripped of metadata.

    Raises ValidationError with a message for the editor. Nothing is written anywhere.
    """
    limit = settings.IMAGE_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise refuse("too_large", size=filesizeformat(upload.size), limit=filesizeformat(limit))
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise refuse("too_large", size=filesizeformat(len(data)), limit=filesizeformat(limit))

    image_format = sniff_format(data)
    if MARKUP.search(data[:MARKUP_SCAN_BYTES]):
        raise refuse("markup")
    if image_format is None:
        raise refuse("unsupported")
    check_container(data, image_format)
    picture, frames = decode(data, image_format)

    clean_frames, durations = normalise(picture, frames)
    still = clean_frames[0]
    content = encode_original(clean_frames, durations, picture, image_format)
    stem = slugify(PurePosixPath(upload.name or "").stem)[:60] or "image"
    return PreparedImage(
        content,
        name=f"{stem}.{extension(image_format)}",
        image_format=image_format,
        width=still.width,
        height=still.height,
        frames=len(clean_frames),
        still=still,
    )


def sniff_format(data):
    """The format the file's first bytes announce, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def check_container(data, image_format):
    """Refuse a file whose structure hides markup or data beyond the image's end."""
    try:
        end, metadata = LAYOUTS[image_format](data)
    except (IndexError, struct.error):
        raise refuse("truncated") from None
    if end > len(data):
        raise refuse("truncated")
    trailing = data[end:]
    if image_format == "jpeg":
        trailing = _skip_appended_jpegs(trailing, metadata)
    if trailing.strip(PADDING):
        raise refuse("trailing_data")
    if any(MARKUP.search(chunk) for chunk in metadata):
        raise refuse("markup")


def _jpeg_layout(data):
    """Where a JPEG stream ends (past EOI), and its marker segments' payloads."""
    segments, pos, size = [], 2, len(data)
    while pos < size:
        if data[pos] != 0xFF:
            raise refuse("corrupt")
        while pos < size and data[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= size:
            break
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            return pos, segments
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a segment
            continue
        if pos + 2 > size:
            break
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2:
            raise refuse("corrupt")
        segments.append(data[pos + 2 : pos + length])
        pos += length
        if marker == 0xDA:  # start of scan: entropy-coded data runs to the next marker
            pos = _end_of_entropy_data(data, pos)
    raise refuse("truncated")


def _end_of_entropy_data(data, pos):
    while True:
        pos = data.find(b"\xff", pos)
        if pos == -1 or pos + 1 >= len(data):
            return len(data)
        following = data[pos + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:  # stuffed byte, restart marker
            pos += 2
        elif following == 0xFF:
            pos += 1
        else:
            return pos


def _skip_appended_jpegs(trailing, segments):
    """What is left after the further JPEG images a Multi-Picture (MPF) index announces."""
    if not any(segment.startswith(b"MPF\x00") for segment in segments):
        return trailing
    while trailing.startswith(b"\xff\xd8\xff"):
        end, more = _jpeg_layout(trailing)
        segments.extend(more)
        trailing = trailing[end:]
    return trailing


def _png_layout(data):
    chunks, pos, size = [], 8, len(data)
    while pos + 8 <= size:
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        start = pos + 8
        pos = start + length + 4  # data, then its CRC
        if kind not in (b"IDAT", b"fdAT"):
            chunks.append(data[start : start + length])
        if kind == b"IEND":
            return pos, chunks
    raise refuse("truncated")


def _gif_layout(data):
    blocks, pos, size = [], 13, len(data)
    flags = data[10]
    if flags & 0x80:  # global colour table
        pos += 3 << ((flags & 0x07) + 1)
    while pos < size:
        introducer = data[pos]
        if introducer == 0x3B:  # trailer
            return pos + 1, blocks
        if introducer == 0x21:  # extension: label, then data sub-blocks
            pos, payload = _gif_sub_blocks(data, pos + 2)
            blocks.append(payload)
        elif introducer == 0x2C:  # image: descriptor, local colour table, LZW data
            flags = data[pos + 9]
            pos += 10
            if flags & 0x80:
                pos += 3 << ((flags & 0x07) + 1)
            pos, _ = _gif_sub_blocks(data, pos + 1)
        else:
            raise refuse("corrupt")
    raise refuse("truncated")


def _gif_sub_blocks(data, pos):
    parts = []
    while True:
        length = data[pos]
        pos += 1
        if length == 0:
            return pos, b"".join(parts)
        parts.append(data[pos : pos + length])
        pos += length


def _webp_layout(data):
    riff_size = int.from_bytes(data[4:8], "little")
    end = 8 + riff_size + (riff_size & 1)
    chunks, pos = [], 12
    while pos + 8 <= min(end, len(data)):
        kind = data[pos : pos + 4]
        length = int.from_bytes(data[pos + 4 : pos + 8], "little")
        if kind not in (b"VP8 ", b"VP8L", b"ALPH", b"ANMF"):
            chunks.append(data[pos + 8 : pos + 8 + length])
        pos += 8 + length + (length & 1)
    return end, chunks


LAYOUTS = {"jpeg": _jpeg_layout, "png": _png_layout, "gif": _gif_layout, "webp": _webp_layout}


def decode(data, image_format):
    """Open, verify and fully decode the image; return it with the number of frames to keep.

    Pillow's DecompressionBombWarning is turned into a refusal, like its DecompressionBombError
    (the warnings filter is process-wide for the moment it is set: harmless in the one-thread
    workers gunicorn runs by default).
    """
    max_pixels = settings.IMAGE_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PillowImage.DecompressionBombWarning)
            with PillowImage.open(io.BytesIO(data), formats=PILLOW_FORMATS_OPENED) as probe:
                if PILLOW_FORMATS.get(probe.format) != image_format:
                    raise refuse("unsupported")
                # An MPO's further images are gain or depth maps, never decoded.
                frames = 1 if probe.format == "MPO" else getattr(probe, "n_frames", 1)
                width, height = probe.size
                if width * height * frames > max_pixels:
                    raise refuse(
                        "too_many_pixels",
                        width=width,
                        height=height,
                        frames=f", {frames} frames" if frames > 1 else "",
                        limit=f"{max_pixels / 1_000_000:g}",
                    )
                probe.verify()
            picture = PillowImage.open(io.BytesIO(data), formats=PILLOW_FORMATS_OPENED)
            for index in range(frames):
                picture.seek(index)
                picture.load()
            picture.seek(0)
    except ValidationError:
        raise
    except (PillowImage.DecompressionBombError, PillowImage.DecompressionBombWarning):
        raise refuse(
            "pixel_bomb", code="too_many_pixels", limit=f"{max_pixels / 1_000_000:g}"
        ) from None
    except Exception as error:  # Pillow's decoders raise many kinds on damaged input
        if "truncated" in str(error):
            raise refuse("truncated") from error
        raise refuse("corrupt") from error
    if any(
        MARKUP.search(value.encode() if isinstance(value, str) else value)
        for value in picture.info.values()
        if isinstance(value, str | bytes)
    ):
        raise refuse("markup")
    return picture, frames


# Normalisation


def normalise(picture, frames):
    """Every frame oriented, in sRGB and a plain mode, with no metadata; and their durations."""
    icc_profile = picture.info.get("icc_profile")
    clean, durations = [], []
    for index, frame in enumerate(ImageSequence.Iterator(picture)):
        if index >= frames:
            break
        durations.append(frame.info.get("duration", 0))
        upright = ImageOps.exif_transpose(frame)
        upright = to_srgb(plain_mode(upright, has_alpha(frame)), icc_profile)
        # Nothing of the upload's info (EXIF, XMP, comment, ICC, text chunks) goes further.
        upright.info = {}
        clean.append(upright)
    return clean, durations


def has_alpha(picture):
    return picture.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in picture.info


def plain_mode(picture, alpha):
    """L, RGB or RGBA (CMYK is kept for its profile): what every encoder here can write."""
    if alpha:
        return picture.convert("RGBA")
    if picture.mode in ("L", "RGB", "CMYK"):
        return picture
    if picture.mode == "1":
        return picture.convert("L")
    if picture.mode.startswith("I;16") or picture.mode == "I":
        # 16-bit grey: scale to 8 bits rather than clip everything above 255 to white.
        return picture.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    return picture.convert("RGB")


SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def to_srgb(picture, icc_profile):
    """Convert colours described by an embedded ICC profile to sRGB, which browsers assume
    for an image without one; the profile itself is not kept (it can name the device)."""
    if icc_profile and picture.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            output_mode = "RGBA" if picture.mode == "RGBA" else "RGB"
            return ImageCms.profileToProfile(picture, source, SRGB_PROFILE, outputMode=output_mode)
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: read the pixels as sRGB, as browsers do
    if picture.mode == "CMYK":
        return picture.convert("RGB")
    return picture


def encode_original(frames, durations, source, image_format):
    """The original as stored: same format, size and frames, re-encoded from the clean pixels."""
    buffer = io.BytesIO()
    first = frames[0]
    options = {}
    if len(frames) > 1:  # an animated GIF, PNG or WebP keeps its frames, timing and looping
        options = {"save_all": True, "append_images": frames[1:], "duration": durations}
        if (loop := source.info.get("loop")) is not None:
            options["loop"] = loop
    if image_format == "jpeg":
        options = {"quality": ORIGINAL_QUALITY}
        # Re-encode with the upload's own quantisation, so it keeps its quality and weight.
        if getattr(source, "quantization", None) and first.mode == source.mode:
            options = {"qtables": source.quantization}
            if (subsampling := JpegImagePlugin.get_sampling(source)) != -1:
                options["subsampling"] = subsampling
        first.save(buffer, "JPEG", optimize=True, progressive=True, **options)
    elif image_format == "png":
        first.save(buffer, "PNG", optimize=True, **options)
    elif image_format == "gif":
        # Frames are whole pictures: each replaces the last rather than drawing over it.
        first.save(buffer, "GIF", disposal=2, **options)
    else:
        first.save(buffer, "WEBP", quality=ORIGINAL_QUALITY, **options)
    return buffer.getvalue()


# Renditions


@dataclass(frozen=True)
class RenditionSpec:
    kind: str
    image_format: str
    width: int
    height: int

    @property
    def key(self):
        """What makes a rendition unique among an image's (Rendition.key)."""
        return (self.kind, self.image_format, self.width)


def rendition_specs(image_format, width, height, frames, alpha=False):
    """What to make for an original of this format and size: a ladder of widths in the
    fallback format and in WebP, and one crop for social cards (JPEG, or PNG to keep
    transparency: the formats every link preview reads)."""
    fallback = fallback_format(image_format)
    formats = [fallback] if fallback == "webp" else [fallback, "webp"]
    specs = []
    for target in target_widths(width):
        target_height = max(1, round(height * target / width))
        for rendition_format in formats:
            if (
                target == width
                and rendition_format == image_format
                and original_stands_in(image_format, frames, width)
            ):
                continue
            specs.append(RenditionSpec("width", rendition_format, target, target_height))
    scale = min(1, width / SOCIAL_SIZE[0], height / SOCIAL_SIZE[1])
    social = (max(1, round(SOCIAL_SIZE[0] * scale)), max(1, round(SOCIAL_SIZE[1] * scale)))
    specs.append(RenditionSpec("social", "png" if alpha else "jpeg", *social))
    return specs


def render(still, spec):
    """Encode one rendition of the clean first frame."""
    if spec.kind == "social":
        picture = ImageOps.fit(still, (spec.width, spec.height), PillowImage.Resampling.LANCZOS)
    elif (spec.width, spec.height) == still.size:
        picture = still
    else:
        picture = still.resize(
            (spec.width, spec.height), PillowImage.Resampling.LANCZOS, reducing_gap=3.0
        )
    buffer = io.BytesIO()
    if spec.image_format == "jpeg":
        picture.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    elif spec.image_format == "png":
        picture.save(buffer, "PNG", optimize=True)
    else:
        picture.save(buffer, "WEBP", quality=WEBP_QUALITY, method=4)
    return buffer.getvalue()


def rendition_name(original_name, spec):
    stem = PurePosixPath(original_name).stem
    suffix = "social" if spec.kind == "social" else f"{spec.width}w"
    return f"{stem}-{suffix}.{extension(spec.image_format)}"


# Storage


def new_upload(field_file):
    """The file just assigned to an image field and not yet stored, or None."""
    # FieldFile._committed is how Django itself tells a new assignment from a stored file.
    if field_file and not field_file._committed:
        return field_file.file
    return None


@contextmanager
def storing_upload(image, renditions_now=False):
    """Around Image.save(): validate and clean a newly assigned file before it is stored; the
    renditions of the file it replaces are deleted with it (their files, like the replaced
    file, once the transaction commits).

    The new file's renditions are made at once with `renditions_now` (a command, which waits
    anyway); otherwise `image.renditions_pending` tells the caller to have them made later,
    by the task, once the save commits. Files written before a failure are removed at once,
    so a failed save leaves none behind.
    """
    image.renditions_pending = False
    upload = new_upload(image.file)
    if upload is None:
        yield
        return
    prepared = upload if isinstance(upload, PreparedImage) else prepare(upload)
    image.file = prepared
    image.width, image.height = prepared.width, prepared.height
    image.format, image.frames = prepared.image_format, prepared.frames
    image.renditions_pending = not renditions_now
    previous = None
    if image.pk is not None:
        previous = (
            type(image)._default_manager.filter(pk=image.pk).values_list("file", flat=True).first()
        )
    storage = image.file.storage
    written = []
    try:
        with transaction.atomic():
            yield
            if previous is not None:
                image.renditions.all().delete()
            if renditions_now:
                still = prepared.still
                missing, _ = rendition_changes(image, still.mode in ("RGBA", "LA"))
                save_renditions(image, store_renditions(image, still, missing, written))
    except BaseException:
        image.renditions_pending = False
        if image.file._committed and image.file.name != previous:
            written.append(image.file.name)
        for name in written:
            storage.delete(name)
        raise
    finally:
        prepared.still = None  # the decoded pixels are not needed any more
    if previous and previous != image.file.name:
        delete_after_commit(storage, previous)


def make_renditions(image):
    """Make whichever of the image's renditions are missing, from its stored original, and
    delete those the settings no longer ask for: what the task runs. Returns how many were made.

    Idempotent: a run that finds the set complete does nothing. The pixels are decoded and
    encoded outside any transaction; the rows are written under a lock on the image's row,
    and only if the image still holds the very file they were made from (same name, same
    bytes): an image replaced meanwhile has its own task, and what was made from the old file
    is thrown away, as are files a run overlapping this one has already saved.
    """
    if not image.file or not image.format:
        return 0  # stored before the pipeline: its format and frames are unknown
    data = read_stored(image.file)
    original = PillowImage.open(io.BytesIO(data), formats=PILLOW_FORMATS_OPENED)  # lazily
    missing, stale = rendition_changes(image, has_alpha(original))
    if not missing and not stale:
        return 0
    written, made = [], []
    try:
        to_make = store_renditions(image, stored_still(original), missing, written)
        with transaction.atomic():
            stored_name = (
                type(image)
                ._default_manager.select_for_update()
                .filter(pk=image.pk)
                .values_list("file", flat=True)
                .first()
            )
            if stored_name == image.file.name and read_stored(image.file) == data:
                made = save_renditions(image, to_make, stale)
    except BaseException:
        for name in written:
            image.file.storage.delete(name)
        raise
    kept = {rendition.file.name for rendition in made}
    for name in written:
        if name not in kept:
            image.file.storage.delete(name)
    return len(made)


def read_stored(field_file):
    with field_file.storage.open(field_file.name, "rb") as stored:
        return stored.read()


def stored_still(original):
    """The first frame of a stored original, as `prepare()` left it: already upright, in
    sRGB, without metadata; only a GIF's palette is unfolded, as at upload."""
    original.seek(0)
    original.load()
    return plain_mode(original, has_alpha(original))


def rendition_changes(image, alpha):
    """(the specs of the renditions the image lacks, its rendition rows that the settings no
    longer ask for)."""
    specs = rendition_specs(image.format, image.width, image.height, image.frames, alpha)
    wanted = {spec.key: spec for spec in specs}
    existing = {rendition.key: rendition for rendition in image.renditions.all()}
    missing = [spec for key, spec in wanted.items() if key not in existing]
    stale = [rendition for key, rendition in existing.items() if key not in wanted]
    return missing, stale


def store_renditions(image, still, specs, written):
    """Render these specs from the clean first frame and store their files (each name added
    to `written` at once); the Rendition rows, not saved yet."""
    rendition_model = image.renditions.model
    renditions = []
    for spec in specs:
        rendition = rendition_model(
            image=image,
            kind=spec.kind,
            format=spec.image_format,
            width=spec.width,
            height=spec.height,
        )
        rendition.file.save(
            rendition_name(image.file.name, spec), ContentFile(render(still, spec)), save=False
        )
        written.append(rendition.file.name)
        renditions.append(rendition)
    return renditions


def save_renditions(image, renditions, stale=()):
    """Save those of these rows the image still lacks (a run overlapping this one may have
    saved some), delete the stale ones; return the rows saved. One save each, so that
    post_save moves the content version and cached pages show the renditions."""
    existing = set(image.renditions.values_list("kind", "format", "width"))
    made = []
    for rendition in renditions:
        if rendition.key not in existing:
            rendition.save()
            made.append(rendition)
    for rendition in stale:
        rendition.delete()
    return made


def delete_after_commit(storage, name, using=None):
    """Remove a stored file once the deletion that orphaned it is committed, never before."""
    if name:
        transaction.on_commit(lambda: storage.delete(name), using=using, robust=True)


# Markup


@dataclass(frozen=True)
class Picture:
    """What <picture> needs: the img's src and srcset, and a WebP srcset for a <source>."""

    src: str
    srcset: str = ""
    webp_srcset: str = ""


def picture_for(image, renditions):
    """Build the sources from renditions already loaded (prefetched): never a query."""
    if not image.file:
        return None
    widths = [rendition for rendition in renditions if rendition.kind == "width"]
    if not widths or not image.format:
        # Renditions not made yet (the task has not run, or an image stored before the
        # pipeline): the original alone.
        return Picture(src=image.file.url)
    fallback = fallback_format(image.format)
    rungs = [(r.width, r.file.url) for r in widths if r.format == fallback]
    if original_stands_in(image.format, image.frames, image.width):
        rungs.append((image.width, image.file.url))
    if not rungs:  # none in the img's format yet: the original, whatever else exists
        return Picture(src=image.file.url)
    rungs.sort()
    webp = sorted((r.width, r.file.url) for r in widths if r.format == "webp")
    src = next((url for width, url in rungs if width >= SRC_WIDTH), rungs[-1][1])
    return Picture(
        src=src,
        srcset=srcset(rungs),
        webp_srcset=srcset(webp) if fallback != "webp" else "",
    )


def srcset(rungs):
    return ", ".join(f"{url} {width}w" for width, url in rungs)
