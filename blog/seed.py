"""Seed content: articles kept as readable TOML files in blog/content/, loaded idempotently."""

import io
import tomllib
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image as PillowImage
from PIL import ImageDraw, ImageFont

from .models import Article, Image, Motive, Section, Topic

CONTENT_DIR = Path(__file__).resolve().parent / "content"
PLACEHOLDER_SIZE = (1600, 900)


@dataclass
class SeedResult:
    article: Article
    created: bool


def seed_files():
    return sorted(CONTENT_DIR.glob("*.toml"))


def load_all():
    return [load_article(path) for path in seed_files()]


@transaction.atomic
def load_article(path):
    """Create the article described in `path` unless an article with its slug exists.

    An existing article is left exactly as it is, so that running the loader again
    (as `make run` does every time) never overwrites an editor's changes.
    """
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    topics = {entry["slug"]: _get_or_create_tag(Topic, entry) for entry in data.get("topic", [])}
    motives = {entry["slug"]: _get_or_create_tag(Motive, entry) for entry in data.get("motive", [])}

    existing = Article.objects.filter(slug=data["slug"]).first()
    if existing is not None:
        return SeedResult(existing, created=False)

    article = Article.objects.create(
        title=data["title"],
        slug=data["slug"],
        excerpt=data.get("excerpt", ""),
        published_at=data.get("published_at"),
        author=_get_or_create_author(data["author"]),
        featured_image=_make_placeholder(data["featured_image"], data["title"])
        if "featured_image" in data
        else None,
    )
    article.topics.set(topics[slug] for slug in data.get("topics", []))
    for position, entry in enumerate(data["section"], start=1):
        section = Section.objects.create(
            article=article,
            position=position,
            kind=entry["kind"],
            heading=entry.get("heading", ""),
            body=entry["body"].strip(),
        )
        section.motives.set(motives[slug] for slug in entry.get("motives", []))
    # The seed is as old as its publication date: no "Updated" line for the load itself.
    Article.objects.filter(pk=article.pk).update(updated_at=article.published_at)
    article.refresh_from_db()
    return SeedResult(article, created=True)


def _get_or_create_tag(model, entry):
    tag, _ = model.objects.get_or_create(
        slug=entry["slug"],
        defaults={"name": entry["name"], "description": entry.get("description", "")},
    )
    return tag


def _get_or_create_author(entry):
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=entry["username"],
        defaults={
            "first_name": entry.get("first_name", ""),
            "last_name": entry.get("last_name", ""),
        },
    )
    if created:
        # The seed author is a byline, not an account anyone logs into.
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _make_placeholder(entry, title):
    # Saved like any upload (Image.save() runs blog/images.py): checked by content, stored
    # without metadata; its renditions made there and then, as the importer's are: a command
    # waits anyway, and a fresh site shows them before any worker has run.
    image = Image(
        file=ContentFile(placeholder_png(title), name=entry["filename"]),
        alt_text=entry["alt_text"],
        caption=entry.get("caption", ""),
    )
    image.save(renditions_now=True)
    return image


def placeholder_png(title):
    """A neutral grey card with the words "Photo not included", drawn with Pillow."""
    width, height = PLACEHOLDER_SIZE
    picture = PillowImage.new("RGB", PLACEHOLDER_SIZE, (214, 218, 224))
    draw = ImageDraw.Draw(picture)
    margin = 48
    draw.rectangle(
        [margin, margin, width - margin, height - margin], outline=(170, 176, 186), width=4
    )
    font = ImageFont.load_default(size=56)
    small = ImageFont.load_default(size=30)
    draw.text(
        (width / 2, height / 2 - 30),
        "Photo not included",
        fill=(90, 96, 106),
        font=font,
        anchor="mm",
    )
    draw.text((width / 2, height / 2 + 40), title, fill=(110, 116, 126), font=small, anchor="mm")
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
