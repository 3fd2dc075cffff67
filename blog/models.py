import math
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import connections, models, router, transaction
from django.db.models import Count, F, Max, Prefetch, Q
from django.db.models.functions import Greatest, TruncMonth
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import slugify

from . import images
from .rendering import count_words, render_markdown

WORDS_PER_MINUTE = 220


class Tag(models.Model):
    """What topics and motives share: a name, a slug for its page, a description."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self):
        return self.name


class Topic(Tag):
    """An article-level tag: a country, a person, a theme."""

    def get_absolute_url(self):
        return reverse("blog:topic", kwargs={"slug": self.slug})


class Motive(Tag):
    """A cause argued in a section, followed across articles."""

    def get_absolute_url(self):
        return reverse("blog:motive", kwargs={"slug": self.slug})


class Image(models.Model):
    """An uploaded picture, used as an article's featured image or a section's figure.

    Whatever is assigned to `file` goes through the pipeline in blog/images.py on save:
    refused unless it is a sound JPEG, PNG, WebP or GIF, stored re-encoded without metadata;
    its renditions are made by a task once the save commits (blog/tasks.py), or at once with
    `save(renditions_now=True)`, for commands, which wait anyway.
    """

    file = models.ImageField(upload_to="images/%Y/%m/", width_field="width", height_field="height")
    alt_text = models.CharField(
        max_length=300,
        help_text="What the image shows, for readers who cannot see it.",
    )
    caption = models.CharField(max_length=300, blank=True)
    credit = models.CharField(max_length=200, blank=True)
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    # Empty for an image stored before the pipeline existed: it has no renditions.
    format = models.CharField(
        max_length=4, choices=images.FORMAT_CHOICES, blank=True, editable=False
    )
    frames = models.PositiveIntegerField(default=1, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="uploaded_images",
    )
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(alt_text=""), name="image_alt_text_required"),
        ]

    def __str__(self):
        return self.caption or self.alt_text

    # Set by save(): a new file was stored and its renditions are owed (blog/tasks.py).
    renditions_pending = False

    def save(self, *args, renditions_now=False, **kwargs):
        with images.storing_upload(self, renditions_now=renditions_now):
            super().save(*args, **kwargs)

    @cached_property
    def picture(self):
        """Sources for <picture>, from the renditions: prefetch them (`for_reading()`)."""
        return images.picture_for(self, self.renditions.all())

    @cached_property
    def thumbnail_rendition(self):
        """The smallest rendition, for the admin; None before renditions exist."""
        widths = [rendition for rendition in self.renditions.all() if rendition.kind == "width"]
        return min(widths, key=lambda rendition: rendition.width, default=None)

    @cached_property
    def social_card(self):
        """The 1200×630 crop (smaller for a smaller original) for link previews, or None."""
        return next(
            (rendition for rendition in self.renditions.all() if rendition.kind == "social"),
            None,
        )


class Rendition(models.Model):
    """One file made from an image's original: a width in the srcset, or the social card.

    A row per file rather than a list in a JSON field on Image: each file is a FileField
    going through the storage API, the database keeps one set per image (the constraint),
    and renditions are prefetched like any relation.
    """

    class Kind(models.TextChoices):
        WIDTH = "width", "Width"
        SOCIAL = "social", "Social card"

    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="renditions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    format = models.CharField(max_length=4, choices=images.FORMAT_CHOICES)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    file = models.FileField(upload_to="images/renditions/%Y/%m/", max_length=255)

    class Meta:
        ordering = ["image", "kind", "format", "width"]
        constraints = [
            models.UniqueConstraint(
                fields=["image", "kind", "format", "width"], name="rendition_unique_size"
            ),
        ]

    def __str__(self):
        return f"{self.width}×{self.height} {self.get_format_display()} ({self.get_kind_display()})"

    @property
    def mime_type(self):
        return images.mime_type(self.format)

    @property
    def key(self):
        """What makes a rendition unique among its image's (the constraint's fields)."""
        return (self.kind, self.format, self.width)


@receiver(post_delete, sender=Image)
@receiver(post_delete, sender=Rendition)
def delete_stored_file(sender, instance, using, **kwargs):
    """A deleted image or rendition takes its file along, once the deletion is committed."""
    images.delete_after_commit(instance.file.storage, instance.file.name, using=using)


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The only definition of "public": a publication date that has come."""
        return self.filter(published_at__lte=timezone.now())

    def scheduled(self):
        return self.filter(published_at__gt=timezone.now())

    def drafts(self):
        return self.filter(published_at__isnull=True)

    def last_change(self):
        """The latest publication or edit among these (published) articles, and their number.

        Aggregated over their ids, so that a queryset with joins counts each article once.
        """
        return self.model.objects.filter(pk__in=self.values("pk")).aggregate(
            changed=Max(Greatest("published_at", "updated_at")), count=Count("pk")
        )

    def month_counts(self):
        """Each month (in the site's time zone) with its number of articles, newest first."""
        return (
            self.annotate(month=TruncMonth("published_at"))
            .values("month")
            .annotate(count=Count("id"))
            .order_by("-month")
        )

    def for_cards(self):
        """What a listing card shows, in a fixed number of queries for the whole page."""
        motive_sections = (
            Section.objects.filter(motives__isnull=False)
            .distinct()
            .only("id", "article_id", "position")
            .prefetch_related("motives")
        )
        return self.select_related("author", "featured_image").prefetch_related(
            Prefetch("sections", queryset=motive_sections, to_attr="motive_sections"),
            "featured_image__renditions",
        )

    def for_reading(self):
        """Everything the article page shows, in a fixed number of queries."""
        return self.select_related("author", "featured_image").prefetch_related(
            "featured_image__renditions",
            Prefetch("sections", queryset=Section.objects.select_related("figure")),
            "sections__motives",
            "sections__figure__renditions",
            "topics",
        )


class Article(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        # Imported WordPress posts keep their non-ASCII slugs; the permalink encodes them.
        allow_unicode=True,
        help_text="The last part of the permalink /yyyy/mm/dd/slug/. Unique across the site.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="articles"
    )
    excerpt = models.TextField(
        max_length=500,
        blank=True,
        help_text="The dek: one or two sentences under the title, in lists and link previews.",
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Empty: a draft. In the future: scheduled, public from that moment on.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    featured_image = models.ForeignKey(
        Image,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="featured_in",
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="articles")
    allow_comments = models.BooleanField(default=True)
    comments_close_at = models.DateTimeField(null=True, blank=True)
    # Kept up to date by the comments app, so that lists need no query per row.
    comment_count = models.PositiveIntegerField(default=0, editable=False)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["-published_at", "-id"], name="article_listing_idx")]
        constraints = [models.UniqueConstraint(fields=["slug"], name="article_unique_slug")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        # A draft has no date yet: staff reach it through its preview address.
        if self.published_at is None:
            return reverse("blog:article_preview", kwargs={"pk": self.pk})
        return reverse("blog:article", kwargs=self.permalink_kwargs())

    def is_published(self):
        """Mirrors ArticleQuerySet.published() for one article."""
        return self.published_at is not None and self.published_at <= timezone.now()

    def accepts_comments(self):
        """Published, open to comments, and not past its closing date."""
        return (
            self.is_published()
            and self.allow_comments
            and (self.comments_close_at is None or self.comments_close_at > timezone.now())
        )

    @property
    def status(self):
        if self.published_at is None:
            return "draft"
        return "published" if self.is_published() else "scheduled"

    def permalink_kwargs(self):
        day = timezone.localtime(self.published_at).date()
        return {
            "year": f"{day.year:04d}",
            "month": f"{day.month:02d}",
            "day": f"{day.day:02d}",
            "slug": self.slug,
        }

    def modified_at(self):
        """When readers last saw a change: an edit, or publication itself if later."""
        return max(self.updated_at, self.published_at or self.updated_at)

    def was_updated(self):
        """Worth showing an "Updated" date: changed a day or more after publication."""
        return self.published_at is not None and (
            self.updated_at - self.published_at >= timedelta(days=1)
        )

    def reading_minutes(self):
        words = sum(section.word_count for section in self.sections.all())
        return max(1, math.ceil(words / WORDS_PER_MINUTE))

    def motives(self):
        """The motives argued in the article, in the order its sections first raise them.

        Reads prefetched sections (`for_cards()` or `for_reading()`), never one query per row.
        """
        sections = getattr(self, "motive_sections", None)
        if sections is None:
            sections = self.sections.all()
        found = {}
        for section in sections:
            for motive in section.motives.all():
                found.setdefault(motive.pk, motive)
        return list(found.values())


class SectionQuerySet(models.QuerySet):
    # Far above any real position and within PositiveSmallIntegerField's range.
    PARKING_OFFSET = 16_000

    def park_positions(self):
        """Lift these sections' positions out of the way before they are renumbered."""
        return self.update(position=F("position") + self.PARKING_OFFSET)

    def parked(self):
        return self.filter(position__gte=self.PARKING_OFFSET)


class Section(models.Model):
    class Kind(models.TextChoices):
        LEAD = "lead", "Lead"
        CONTEXT = "context", "Context"
        MOTIVE = "motive", "Motive"
        QUOTE = "quote", "Quote"
        QUESTION = "question", "Open question"
        CONCLUSION = "conclusion", "Conclusion"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CONTEXT)
    heading = models.CharField(max_length=200, blank=True)
    anchor = models.SlugField(
        max_length=80,
        blank=True,
        help_text="The section's address in the article (#anchor). Made from the heading "
        "when left empty, then kept, so that links to it keep working.",
    )
    body = models.TextField(help_text="Markdown.")
    body_html = models.TextField(editable=False)
    word_count = models.PositiveIntegerField(default=0, editable=False)
    figure = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="figure_in"
    )
    motives = models.ManyToManyField(Motive, blank=True, related_name="sections")

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="section_unique_position"),
            # Blank only until save() fills it in, so that new sections may leave it empty.
            models.UniqueConstraint(
                fields=["article", "anchor"],
                condition=~Q(anchor=""),
                name="section_unique_anchor",
            ),
        ]

    def __str__(self):
        return f"{self.article} § {self.position}: {self.label}"

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        self.word_count = count_words(self.body_html)
        if not self.anchor:
            self.anchor = self.free_anchor()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#{self.anchor}"

    def free_anchor(self):
        base = slugify(self.heading)[:70] or self.kind
        taken = set(
            Section.objects.filter(article_id=self.article_id)
            .exclude(pk=self.pk)
            .values_list("anchor", flat=True)
        )
        anchor, number = base, 2
        while anchor in taken:
            anchor = f"{base}-{number}"
            number += 1
        return anchor

    @property
    def label(self):
        """How the contents list names the section."""
        if self.heading:
            return self.heading
        return "Introduction" if self.kind == self.Kind.LEAD else self.get_kind_display()


class Version(NamedTuple):
    """The content version's row as read (ContentVersion.current())."""

    number: int
    changed_at: datetime | None
    settings_number: int


# The content version read during the request being served, for every part of the request
# that asks (the page cache, the discussion, the discussion rules): a dict while a request is
# served (request_started and request_finished, connected in BlogConfig.ready()), None
# outside one (a task, a command), where every ask reads the row.
_request_scope = ContextVar("content_version_request_scope", default=None)


class ContentVersion(models.Model):
    """A number that grows whenever anything a reader can see changes: an article, a section,
    an image, a topic, a motive, a comment, the discussion rules.

    Cached pages and fragments are keyed by it, so a change makes every cached copy
    unreachable at once, in every app process, with no list of keys to purge. It lives in
    the database because the local-memory cache is per process: a bump must reach them all.
    Read it before the content it guards: a copy made from older content is then filed
    under an older number.
    """

    SINGLETON_PK = 1
    # The WSGI environ key under which config.page_cache.FinishedPageCache hands the number
    # it read to the page it lets through: read once, before the page, for all of it.
    ENVIRON_KEY = "liaison.content_version"

    # With a cache every process shares (Redis), the number is kept there too, under this key:
    # a page-cache hit then reads it together with its page, in one round trip, and never
    # asks the database (config.page_cache.FinishedPageCache). The row stays the truth: the
    # cache's copy is only ever raised to a number read from the row, never lowered, so two
    # changes that share it out of order leave the higher; and it lasts SHARED_SECONDS at
    # most, which bounds how long a copy that missed a raise (Redis away during a change,
    # back with its data) can be served.
    SHARED_KEY = "content-version"
    SHARED_SECONDS = 60

    number = models.PositiveBigIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)
    # Moves when the site's settings change (the discussion rules), and only then: their
    # cached copy is kept under it, read in the same query as `number`, which moves at every
    # comment and made each post read the rules again.
    settings_number = models.PositiveBigIntegerField(default=1)

    class Meta:
        verbose_name = "content version"

    def __str__(self):
        return f"content version {self.number}"

    @classmethod
    def current(cls):
        """Version(number, changed_at, settings_number): one query, through a plain cursor,
        because every page for a reader not logged in asks it first, before its copy is
        looked up in the page cache. A page-cache hit spent a fifth of its time in the ORM
        building this query and a model instance from its row (py-spy on a gunicorn
        worker); the row's date goes through the same converters the ORM would apply
        (SQLite keeps it as text)."""
        connection = connections[router.db_for_read(cls)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT number, changed_at, settings_number FROM {cls._meta.db_table} "
                "WHERE id = %s",
                [cls.SINGLETON_PK],
            )
            row = cursor.fetchone()
        if row is None:
            return Version(0, None, 0)
        number, changed_at, settings_number = row
        field = cls._meta.get_field("changed_at")
        column = field.cached_col
        for convert in connection.ops.get_db_converters(column) + field.get_db_converters(
            connection
        ):
            changed_at = convert(changed_at, column, connection)
        return Version(number, changed_at, settings_number)

    @staticmethod
    def is_shared_through_cache():
        """Whether the cache is one all processes share and can raise a number in
        (config.cache.ForgivingRedisCache.raise_to); the local-memory cache is per process."""
        return callable(getattr(cache, "raise_to", None))

    @classmethod
    def share(cls, number):
        """Raise the shared cache's copy of the number to this one, read from the row (only
        with a cache is_shared_through_cache() accepts: its callers ask first)."""
        cache.raise_to(cls.SHARED_KEY, number, cls.SHARED_SECONDS)

    @classmethod
    def number_and_cached(cls, key):
        """(the current number, what the cache holds under `key`, current() if it was read).

        With a shared cache both come in one round trip and the database is read only when
        the cache has no copy of the number (it expired, or Redis restarted); otherwise the
        number is read from the row. The cached value is returned whatever number it was
        kept under: comparing is the caller's."""
        if not cls.is_shared_through_cache():
            version = cls.current()
            return version[0], cache.get(key), version
        found = cache.get_many([cls.SHARED_KEY, key])
        if cls.SHARED_KEY in found:
            return found[cls.SHARED_KEY], found.get(key), None
        version = cls.current()
        cls.share(version[0])
        return version[0], found.get(key), version

    @classmethod
    def for_request(cls, request):
        """current(), read once per request: the page cache and the discussion share it
        (with the WSGI layer of the page cache, when it read it first)."""
        if not hasattr(request, "content_version"):
            request.content_version = cls.of_this_request(request.META.get(cls.ENVIRON_KEY))
        return request.content_version

    @classmethod
    def of_this_request(cls, read_before=None):
        """current(), read once per request served, for code that has no request at hand
        (the discussion rules); read at every call outside a request. `read_before`: the
        version already read for this request, before Django's handler ran."""
        scope = _request_scope.get()
        if scope is None:
            return read_before or cls.current()
        if "version" not in scope:
            scope["version"] = read_before or cls.current()
        return scope["version"]

    @staticmethod
    def begin_request_scope(**kwargs):
        _request_scope.set({})

    @staticmethod
    def end_request_scope(**kwargs):
        _request_scope.set(None)

    @classmethod
    def bump(cls):
        """The content changed: the number moves once per transaction, however many rows it
        changes (a bulk approval of 500 comments), and at once outside one.

        Where a write transaction locks the whole database (SQLite), the row is raised in the
        transaction itself: the lock is held already, and the number then commits with the
        change, where a write after the commit would wait for the lock a second time (under
        16 posters at once, that wait was a post's largest). Elsewhere (PostgreSQL) it is
        raised after the commit: in the transaction, the one row's lock would make every
        writer wait for every other. Either way a reader who read the old number and then
        the new content files it under the old number, which nobody asks for any more."""
        connection = transaction.get_connection()
        if not connection.in_atomic_block:
            cls._increment()
        elif any(
            callback in (cls._increment, cls._share_row)
            for _, callback, _ in connection.run_on_commit
        ):
            return
        elif connection.vendor == "sqlite":
            cls._increment_row()
            transaction.on_commit(cls._share_row)
        else:
            transaction.on_commit(cls._increment)

    @classmethod
    def settings_changed(cls):
        """The site's settings changed: their number moves inside the changing transaction
        (a rare change: on PostgreSQL the row's lock is held to the commit), and the
        content's number as for any change, for the pages that show their effects."""
        cls._update_row("settings_number = settings_number + 1", [], {"settings_number": 2})
        cls.bump()

    @classmethod
    def _increment(cls):
        number = cls._increment_row()
        if cls.is_shared_through_cache():
            cls.share(number)

    @classmethod
    def _increment_row(cls):
        """Raise the row; its new number."""
        changed_at = connections[router.db_for_write(cls)].ops.adapt_datetimefield_value(
            timezone.now()
        )
        return cls._update_row("number = number + 1, changed_at = %s", [changed_at], {"number": 2})

    @classmethod
    def _update_row(cls, assignments, params, defaults):
        """UPDATE the row (created with `defaults` when missing); its number afterwards. One
        statement through a plain cursor, as current() reads the row: every change runs one,
        and a comment's post spent 6 % of its time in the ORM building it (pyinstrument, 300
        posts). The number comes back with the update (RETURNING) where the database can,
        for the shared cache, without a read."""
        connection = connections[router.db_for_write(cls)]
        # Django has no feature for UPDATE ... RETURNING; the databases that return columns
        # from an INSERT (PostgreSQL, SQLite 3.35+) return them from an UPDATE too.
        returning = connection.features.can_return_columns_from_insert
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {cls._meta.db_table} SET {assignments} "
                f"WHERE id = %s{' RETURNING number' if returning else ''}",
                [*params, cls.SINGLETON_PK],
            )
            row = cursor.fetchone() if returning else None
            updated = row is not None if returning else cursor.rowcount > 0
        if not updated:
            return cls.objects.get_or_create(pk=cls.SINGLETON_PK, defaults=defaults)[0].number
        return row[0] if returning else cls.current().number

    @classmethod
    def _share_row(cls):
        """The row's number into the shared cache, once it is committed."""
        if cls.is_shared_through_cache():
            cls.share(cls.current().number)
