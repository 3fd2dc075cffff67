"""Bringing a WordPress export into Liaison, all of it or none of it.

Authors become accounts nobody can log into (no usable password), categories and tags
become topics, posts become articles of sections, a post's featured image goes through the
image pipeline, and comments take their places in their threads through Comment.save(),
with their moderation states. Every object made, or matched to one already here, is
recorded in a WordPressLink, so a second import of the same file creates and changes
nothing. The whole import is one transaction; a dry run is the same import, rolled back,
with images checked by the pipeline but never stored.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from blog import images
from blog.models import Article, Image, Section, Topic
from comments.models import NAME_MAX_LENGTH, Comment, current_rules, refresh_comment_count

from . import content
from .models import WordPressLink
from .wxr import Author, Term

KINDS = ("authors", "topics", "posts", "attachments", "comments", "pingbacks")
Kind = WordPressLink.Kind
TOPIC_TAXONOMIES = ("category", "post_tag")
# WordPress files every post without a category here: it says nothing about the post.
DEFAULT_CATEGORY = "uncategorized"
COMMENT_TYPES = ("", "comment")
IMPORTED = "imported from WordPress"
UPLOADS = "/wp-content/uploads/"
# Before any real comment: sorts comments that have no date first.
NO_DATE = datetime.min.replace(tzinfo=UTC)


@dataclass
class Tally:
    created: int = 0
    matched: int = 0
    skipped: int = 0
    warnings: int = 0


@dataclass
class ImportSummary:
    """What the import did (or, in a dry run, would do), kind by kind, and why."""

    dry_run: bool = False
    tallies: dict = field(default_factory=lambda: {kind: Tally() for kind in KINDS})
    # ("warning" or "note", text), in the order they happened.
    messages: list = field(default_factory=list)
    skip_reasons: Counter = field(default_factory=Counter)

    def count(self, kind, outcome, number=1):
        tally = self.tallies[kind]
        setattr(tally, outcome, getattr(tally, outcome) + number)

    def skip(self, kind, reason, number=1):
        if number:
            self.count(kind, "skipped", number)
            self.skip_reasons[(kind, reason)] += number

    def warn(self, kind, message):
        self.count(kind, "warnings")
        self.messages.append(("warning", message))

    def note(self, message):
        self.messages.append(("note", message))

    @property
    def warnings(self):
        return [text for level, text in self.messages if level == "warning"]

    @property
    def notes(self):
        return [text for level, text in self.messages if level == "note"]


class SilentProgress:
    def start(self, steps, posts):
        pass

    def advance(self, steps=1, line=None):
        pass


class DryRun(Exception):
    """Raised at the end of a dry run so that the transaction rolls everything back."""


@dataclass
class Placed:
    """A comment already in its thread, as the next reply needs to know it."""

    pk: int
    level: int
    is_spam: bool
    parent_pk: int


def import_export(export, *, media_dir=None, dry_run=False, progress=None):
    """Import `export` (wxr.read_export) in one transaction and return its ImportSummary."""
    importer = Importer(export, media_dir=media_dir, dry_run=dry_run, progress=progress)
    try:
        with transaction.atomic():
            importer.run()
            if dry_run:
                raise DryRun
    except DryRun:
        pass
    except BaseException:
        # Rows roll back by themselves; the image files already stored do not.
        importer.delete_stored_files()
        raise
    if not dry_run:
        analyze_imported_tables()
    return importer.report


def analyze_imported_tables():
    """PostgreSQL's planner statistics for the tables an import fills, at once rather than
    when autovacuum next comes by (within a minute or so): until then they describe the
    tables as they were, and the discussion's listing of a large imported article was
    planned as a nested loop over its comments for each thread (195 ms at 1,000 comments
    in `make bench` before its seed was analyzed; 3.5 ms after). SQLite keeps no
    statistics unless asked."""
    if connection.vendor != "postgresql":
        return
    models = (get_user_model(), Topic, Article, Section, Image, Comment, WordPressLink)
    # A comment's rows are in the three tables of its inheritance chain (contrib-comments',
    # xtd's and ours).
    tables = {
        model._meta.db_table for imported in models for model in imported._meta.get_parent_list()
    } | {model._meta.db_table for model in models}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


class Importer:
    def __init__(self, export, *, media_dir=None, dry_run=False, progress=None):
        self.export = export
        self.site = export.site
        self.media_dir = Path(media_dir).resolve() if media_dir else None
        self.dry_run = dry_run
        self.progress = progress or SilentProgress()
        self.report = ImportSummary(dry_run=dry_run)
        self.stored_files = []
        self.new_links = []
        self.max_level = current_rules().max_level
        self.article_type = ContentType.objects.get_for_model(Article)
        self.users_by_login = {}
        self.authors_by_id = {}
        self.topics = {}
        self.images = {}

    def run(self):
        posts = [item for item in self.export.items if item.post_type != "attachment"]
        self.progress.start(
            steps=len(self.export.authors)
            + len(self.export.terms)
            + len(posts)
            + sum(len(item.comments) for item in posts),
            posts=len(posts),
        )
        self.links, self.dead_links = self.existing_links()
        # Articles made from (or matched to) a post of this site: never matched to another.
        self.linked_articles = set(self.links[Kind.POST].values())
        self.import_authors()
        self.import_topics()
        self.save_links()
        for item in posts:
            self.import_item(item)
            self.save_links()
        unused = [wp_id for wp_id in self.export.attachments if wp_id not in self.images]
        # Those an earlier import brought, for articles it made, are here already.
        earlier = [wp_id for wp_id in unused if wp_id in self.links[Kind.ATTACHMENT]]
        self.report.count("attachments", "matched", len(earlier))
        self.report.skip(
            "attachments",
            "not the featured image of an imported post",
            len(unused) - len(earlier),
        )
        for (kind, reason), number in sorted(self.report.skip_reasons.items()):
            self.report.note(f"Skipped {number} {singular(kind, number)}: {reason}.")

    # Links ----------------------------------------------------------------------------

    def existing_links(self):
        """{kind: {WordPress id: object id}} from earlier imports of this site, and apart
        from them the links whose object has been deleted here since."""
        models = {
            Kind.AUTHOR: get_user_model(),
            Kind.TOPIC: Topic,
            Kind.POST: Article,
            Kind.ATTACHMENT: Image,
            Kind.COMMENT: Comment,
        }
        links = {kind: {} for kind in models}
        dead = {kind: set() for kind in models}
        recorded = WordPressLink.objects.filter(site=self.site)
        if not recorded.exists():
            return links, dead
        for kind, model in models.items():
            of_kind = recorded.filter(kind=kind)
            alive = set(
                model._default_manager.filter(pk__in=of_kind.values("object_id")).values_list(
                    "pk", flat=True
                )
            )
            for wp_id, object_id in of_kind.values_list("wp_id", "object_id"):
                if object_id in alive:
                    links[kind][wp_id] = object_id
                else:
                    dead[kind].add(wp_id)
        return links, dead

    def link(self, kind, wp_id, obj):
        if not wp_id:
            return
        self.links[kind][wp_id] = obj.pk
        if kind == Kind.POST:
            self.linked_articles.add(obj.pk)
        self.new_links.append(
            WordPressLink(
                site=self.site,
                kind=kind,
                wp_id=wp_id,
                content_type=ContentType.objects.get_for_model(obj),
                object_id=obj.pk,
            )
        )

    def save_links(self):
        WordPressLink.objects.bulk_create(self.new_links)
        self.new_links = []

    def delete_stored_files(self):
        storage = Image._meta.get_field("file").storage
        for name in self.stored_files:
            storage.delete(name)
        self.stored_files = []

    # Authors --------------------------------------------------------------------------

    def import_authors(self):
        for author in self.export.authors:
            self.progress.advance()
            user, _ = self.account_for(author)
            self.users_by_login[author.login] = user
            if author.wp_id:
                self.authors_by_id[author.wp_id] = (user, author.email.lower())

    def account_for(self, author):
        """(account, created): the author's account here — the one an earlier import made,
        one with the same email, or a new one that nobody can log into."""
        user_model = get_user_model()
        if author.wp_id in self.links[Kind.AUTHOR]:
            self.report.count("authors", "matched")
            return user_model.objects.get(pk=self.links[Kind.AUTHOR][author.wp_id]), False
        user = None
        if author.email:
            user = user_model.objects.filter(email__iexact=author.email).order_by("pk").first()
        if user is None and not author.wp_id:
            # Named only as a post's creator: the account an earlier import made for it.
            user = user_model.objects.filter(username=username_for(author.login)).first()
        created = user is None
        if not created:
            self.report.count("authors", "matched")
            if author.email:
                self.report.note(
                    f"Author {author.login} matched the existing account {user.get_username()} "
                    "(same email)."
                )
        else:
            user = self.create_account(author)
            self.report.count("authors", "created")
        if author.wp_id in self.dead_links[Kind.AUTHOR]:
            # An author's posts need an account: the link follows the new one.
            WordPressLink.objects.filter(
                site=self.site, kind=Kind.AUTHOR, wp_id=author.wp_id
            ).update(object_id=user.pk)
            self.links[Kind.AUTHOR][author.wp_id] = user.pk
        else:
            self.link(Kind.AUTHOR, author.wp_id, user)
        return user, created

    def create_account(self, author):
        user_model = get_user_model()
        username = free_username(username_for(author.login))
        if username != username_for(author.login):
            self.report.warn(
                "authors",
                f"Author {author.login}: the username is taken here by another account; "
                f"the author's account is {username}.",
            )
        first, last = author.first_name, author.last_name
        if not (first or last) and author.display_name not in ("", author.login):
            first, _, last = author.display_name.rpartition(" ")
            if not first:
                first, last = last, ""
        user = user_model(
            username=username,
            email=author.email if len(author.email) <= 254 else "",
            first_name=cut(first, 150),
            last_name=cut(last, 150),
        )
        # A byline, not a login: the person can claim it later with a password reset.
        user.set_unusable_password()
        user.save()
        return user

    def author_of(self, item):
        login = item.creator or "wordpress"
        if login not in self.users_by_login:
            user, created = self.account_for(Author(None, login, "", login, "", ""))
            if created:
                self.report.warn(
                    "authors",
                    f"“{self.title_of(item)}” is by {login}, who is not in the export's "
                    "authors: an account was made for them.",
                )
            self.users_by_login[login] = user
        return self.users_by_login[login]

    # Topics ---------------------------------------------------------------------------

    def import_topics(self):
        for term in self.export.terms:
            self.progress.advance()
            if term.taxonomy not in TOPIC_TAXONOMIES:
                self.report.skip("topics", f"not a category or tag ({term.taxonomy})")
                continue
            if term.taxonomy == "category" and term.slug == DEFAULT_CATEGORY:
                self.report.skip("topics", "WordPress's default category, Uncategorized")
                continue
            self.topics[(term.taxonomy, term.slug)] = self.topic_for(term)

    def topic_for(self, term):
        if term.wp_id in self.dead_links[Kind.TOPIC]:
            self.report.skip("topics", "deleted here since an earlier import")
            return None
        if term.wp_id in self.links[Kind.TOPIC]:
            self.report.count("topics", "matched")
            return Topic.objects.get(pk=self.links[Kind.TOPIC][term.wp_id])
        name = cut(content.plain_text(term.name) or term.slug, 100)
        if not name:
            self.report.skip("topics", "no name and no slug")
            return None
        # Topic addresses are ASCII (/tag/<slug>/): a non-Latin slug falls back to the name's.
        slug = (
            slugify(term.slug)[:100].strip("-")
            or slugify(name)[:100].strip("-")
            or f"topic-{term.wp_id or len(self.topics) + 1}"
        )
        topic = (
            Topic.objects.filter(slug=slug).first()
            or Topic.objects.filter(name__iexact=name).first()
        )
        if topic is not None:
            self.report.count("topics", "matched")
        else:
            topic = Topic.objects.create(
                name=name, slug=slug, description=content.plain_text(term.description)
            )
            self.report.count("topics", "created")
        self.link(Kind.TOPIC, term.wp_id, topic)
        return topic

    def topics_of(self, item):
        found = []
        for term in item.terms:
            if term.taxonomy not in TOPIC_TAXONOMIES:
                continue
            key = (term.taxonomy, term.slug)
            if key not in self.topics:
                if term.taxonomy == "category" and term.slug == DEFAULT_CATEGORY:
                    continue
                # Named by the post but missing from the export's list of terms.
                self.topics[key] = self.topic_for(Term(None, *key, term.name, ""))
            if self.topics[key] is not None and self.topics[key] not in found:
                found.append(self.topics[key])
        return found

    # Posts ----------------------------------------------------------------------------

    def import_item(self, item):
        title = self.title_of(item)
        if item.post_type != "post":
            self.report.skip("posts", f"not a post ({item.post_type}): Liaison has articles only")
            self.skip_comments(item, "on a page or other item that is not a post")
            self.progress.advance(line=f"skipped {item.post_type} “{title}”")
            return
        if item.status in ("trash", "auto-draft"):
            reason = "in the trash" if item.status == "trash" else "an empty auto-draft"
            self.report.skip("posts", reason)
            self.skip_comments(item, "on a post in the trash or an auto-draft")
            self.progress.advance(line=f"skipped “{title}” ({reason})")
            return
        article, outcome = self.article_for(item, title)
        if article is None:
            self.skip_comments(item, "on a post deleted here since an earlier import")
            self.progress.advance(line=f"skipped “{title}” ({outcome})")
            return
        created, matched = self.import_comments(item, article, title)
        counts = f"{created} comment{'s' if created != 1 else ''} added"
        if matched:
            counts += f", {matched} already here"
        self.progress.advance(line=f"{outcome} “{title}” ({article.status}), {counts}")

    def title_of(self, item):
        return content.plain_text(item.title) or "(no title)"

    def article_for(self, item, title):
        """(article, what happened): the article made from `item`, or matched to it."""
        if item.wp_id in self.dead_links[Kind.POST]:
            self.report.skip("posts", "deleted here since an earlier import")
            return None, "deleted here since an earlier import"
        if item.wp_id in self.links[Kind.POST]:
            self.report.count("posts", "matched")
            return Article.objects.get(pk=self.links[Kind.POST][item.wp_id]), "matched"
        slug = article_slug(item.slug)
        if slug:
            existing = Article.objects.filter(slug=slug).first()
            if existing is not None and existing.pk not in self.linked_articles:
                self.report.count("posts", "matched")
                self.report.note(
                    f"“{title}” has the permalink of the existing article “{existing.title}” "
                    f"({existing.get_absolute_url()}): matched, not duplicated; the article is "
                    "left as it is and the post's comments join it."
                )
                self.link(Kind.POST, item.wp_id, existing)
                return existing, "matched existing"
            if existing is not None:
                free = free_slug(slug)
                self.report.warn(
                    "posts",
                    f"“{title}”: its slug {slug} is another imported post's here; "
                    f"the article's slug is {free}.",
                )
                slug = free
        else:
            # Drafts have no slug yet: one is made from the title, as WordPress would.
            slug = free_slug(article_slug(item.title) or f"post-{item.wp_id}")
        article = self.create_article(item, title, slug)
        self.report.count("posts", "created")
        self.link(Kind.POST, item.wp_id, article)
        return article, "created"

    def create_article(self, item, title, slug):
        if len(title) > 200:
            self.report.warn("posts", f"“{cut(title, 60)}”: the title was cut to 200 characters.")
        excerpt = content.plain_text(item.excerpt)
        if len(excerpt) > 500:
            self.report.warn("posts", f"“{title}”: the excerpt was cut to 500 characters.")
        author = self.author_of(item)
        article = Article.objects.create(
            title=cut(title, 200),
            slug=slug,
            author=author,
            excerpt=cut(excerpt, 500),
            published_at=self.publication(item, title),
            allow_comments=item.comment_status != "closed",
            featured_image=self.featured_image(item, title, author),
        )
        article.topics.set(self.topics_of(item))
        text = content.post_sections(item.content)
        for position, section in enumerate(text.sections, start=1):
            Section.objects.create(
                article=article,
                position=position,
                kind=Section.Kind.LEAD if position == 1 else Section.Kind.CONTEXT,
                heading=cut(section.heading, 200),
                body=section.body,
            )
        if text.media_left_out:
            self.report.warn(
                "posts",
                f"“{title}”: {text.media_left_out} image{'s' if text.media_left_out > 1 else ''}, "
                "embed or gallery in the text left out; add them back as section figures.",
            )
        for heading in text.dropped_headings:
            self.report.warn(
                "posts", f"“{title}”: the heading “{heading}” had nothing under it: left out."
            )
        # As WordPress dated it, so "Updated" shows only for a post edited after publication.
        written = item.date or timezone.now()
        Article.objects.filter(pk=article.pk).update(
            created_at=written, updated_at=item.modified or written
        )
        return article

    def publication(self, item, title):
        """publish → its date; future → its date (scheduled); anything else → draft."""
        if item.status not in ("publish", "future"):
            if item.status not in ("draft", "pending", "private"):
                self.report.warn(
                    "posts", f"“{title}”: unknown status {item.status!r}: imported as a draft."
                )
            return None
        if item.password:
            self.report.warn(
                "posts",
                f"“{title}” is password-protected in WordPress: imported as a draft, so that "
                "it stays unseen until an editor publishes it.",
            )
            return None
        if item.date is None:
            self.report.warn("posts", f"“{title}” has no date: imported as a draft.")
            return None
        if item.status == "future" and item.date <= timezone.now():
            self.report.note(
                f"“{title}” was scheduled for {item.date:%Y-%m-%d %H:%M} UTC, which has passed: "
                "it is published."
            )
        return item.date

    # Featured images ------------------------------------------------------------------

    def featured_image(self, item, title, author):
        wp_id = item.thumbnail_id
        if not wp_id:
            return None
        if wp_id not in self.images:
            self.images[wp_id] = self.image_for(wp_id, title, author)
        return self.images[wp_id]

    def image_for(self, wp_id, title, author):
        if wp_id in self.dead_links[Kind.ATTACHMENT]:
            self.report.skip("attachments", "deleted here since an earlier import")
            return None
        if wp_id in self.links[Kind.ATTACHMENT]:
            self.report.count("attachments", "matched")
            return Image.objects.get(pk=self.links[Kind.ATTACHMENT][wp_id])
        attachment = self.export.attachments.get(wp_id)
        if attachment is None:
            self.report.warn(
                "attachments",
                f"“{title}”: its featured image (attachment {wp_id}) is not in the export.",
            )
            return None
        path, relative = self.media_file(attachment)
        if self.media_dir is None:
            self.report.warn(
                "attachments",
                f"“{title}”: featured image {relative} left out: no --media-dir was given.",
            )
            return None
        if path is None:
            self.report.warn(
                "attachments",
                f"“{title}”: featured image {relative} is not in {self.media_dir}: left out.",
            )
            return None
        alt_text = content.plain_text(attachment.meta.get("_wp_attachment_image_alt", ""))
        alt_text = alt_text or content.plain_text(attachment.title) or title
        with path.open("rb") as handle:
            upload = File(handle, name=path.name)
            try:
                if self.dry_run:
                    images.prepare(upload)  # judged as an upload would be; nothing stored
                    self.report.count("attachments", "created")
                    return None
                image = Image(
                    file=upload,
                    alt_text=cut(alt_text, 300),
                    caption=cut(content.plain_text(attachment.excerpt), 300),
                    uploaded_by=author,
                    uploaded_at=attachment.date or timezone.now(),
                )
                with transaction.atomic():
                    # Renditions made here rather than by the task: the command waits anyway,
                    # they are among the files a failed import removes (stored_files), and
                    # the imported site is whole when the command ends, worker or not.
                    image.save(renditions_now=True)
            except ValidationError as error:
                self.report.warn(
                    "attachments",
                    f"“{title}”: featured image {relative} refused by the image pipeline: "
                    + " ".join(error.messages),
                )
                return None
        self.stored_files.append(image.file.name)
        self.stored_files.extend(image.renditions.values_list("file", flat=True))
        self.report.count("attachments", "created")
        self.link(Kind.ATTACHMENT, wp_id, image)
        return image

    def media_file(self, attachment):
        """(path in --media-dir or None, the path WordPress knew it by)."""
        candidates = []
        if attached := attachment.meta.get("_wp_attached_file"):
            candidates.append(attached)
        address = unquote(urlsplit(attachment.attachment_url).path)
        if UPLOADS in address:
            candidates.append(address.split(UPLOADS, 1)[1])
        elif address:
            # WordPress.com serves uploads at <site>.files.wordpress.com/<yyyy>/<mm>/<name>.
            candidates.append(address.lstrip("/"))
        relative = candidates[0] if candidates else f"attachment {attachment.wp_id}"
        if self.media_dir is None:
            return None, relative
        for candidate in candidates:
            path = (self.media_dir / candidate).resolve()
            # Never outside the folder given, whatever "../" the export holds.
            if path.is_relative_to(self.media_dir) and path.is_file():
                return path, candidate
        return None, relative

    # Comments -------------------------------------------------------------------------

    def skip_comments(self, item, reason):
        pings = sum(1 for comment in item.comments if comment.is_ping)
        self.report.skip("pingbacks", "pingbacks and trackbacks are not comments here", pings)
        self.report.skip("comments", reason, len(item.comments) - pings)
        self.progress.advance(steps=len(item.comments))

    def import_comments(self, item, article, title):
        """Place the post's comments in their threads, parents first; (created, matched)."""
        comments = []
        for comment in item.comments:
            if comment.is_ping:
                self.report.skip("pingbacks", "pingbacks and trackbacks are not comments here")
                self.progress.advance()
            elif comment.comment_type not in COMMENT_TYPES:
                self.report.skip("comments", f"of type {comment.comment_type}, not a comment")
                self.progress.advance()
            else:
                comments.append(comment)
        known = self.links[Kind.COMMENT]
        if all(comment.wp_id in known for comment in comments):
            self.report.count("comments", "matched", len(comments))
            self.progress.advance(steps=len(comments))
            return 0, len(comments)
        placed = self.comments_in_place(article)
        placed_by_wp_id = {
            comment.wp_id: placed[known[comment.wp_id]]
            for comment in comments
            if comment.wp_id in known and known[comment.wp_id] in placed
        }
        created = matched = 0
        for comment, parent in self.thread_order(comments, title):
            self.progress.advance()
            if comment.wp_id in self.dead_links[Kind.COMMENT]:
                self.report.skip("comments", "deleted here since an earlier import")
                continue
            if comment.wp_id in known:
                self.report.count("comments", "matched")
                matched += 1
                continue
            above = None
            if parent is not None:
                above = placed_by_wp_id.get(parent.wp_id)
                if above is None:
                    self.report.warn(
                        "comments",
                        f"“{title}”: comment {comment.wp_id} replies to comment {parent.wp_id}, "
                        "which is not here: placed at the top level.",
                    )
            above = self.allowed_parent(comment, above, placed, title)
            saved = self.create_comment(comment, article, above)
            placed[saved.pk] = placed_by_wp_id[comment.wp_id] = Placed(
                saved.pk, saved.level, saved.is_spam, saved.parent_id
            )
            self.link(Kind.COMMENT, comment.wp_id, saved)
            self.report.count("comments", "created")
            created += 1
        if created:
            refresh_comment_count(article.pk)
        return created, matched

    def comments_in_place(self, article):
        """{pk: Placed} for the comments the article already has."""
        rows = Comment.objects.for_article(article).values_list(
            "pk", "level", "is_spam", "parent_id"
        )
        return {pk: Placed(pk, level, is_spam, parent_pk) for pk, level, is_spam, parent_pk in rows}

    def thread_order(self, comments, title):
        """[(comment, parent or None)], every parent before its replies: threads oldest
        first, each thread depth first with replies oldest first, as Comment.save() places
        them. A reply to a comment that is not in the file goes to the top level."""
        by_id = {comment.wp_id: comment for comment in comments}
        replies, roots = defaultdict(list), []
        ordered = sorted(comments, key=lambda comment: (comment.date or NO_DATE, comment.wp_id))
        for comment in ordered:
            if comment.parent_id and comment.parent_id != comment.wp_id:
                if comment.parent_id in by_id:
                    replies[comment.parent_id].append(comment)
                    continue
                if comment.wp_id not in self.links[Kind.COMMENT]:  # said at its first import
                    self.report.warn(
                        "comments",
                        f"“{title}”: comment {comment.wp_id} replies to comment "
                        f"{comment.parent_id}, which is not in the export (WordPress leaves "
                        "spam out): placed at the top level.",
                    )
            roots.append(comment)
        order, seen = [], set()
        root_ids = {comment.wp_id for comment in roots}
        # A reply chain that loops back on itself has no top: its oldest comment becomes one.
        for root in roots + ordered:
            if root.wp_id in seen:
                continue
            if root.wp_id not in root_ids and root.wp_id not in self.links[Kind.COMMENT]:
                self.report.warn(
                    "comments",
                    f"“{title}”: comment {root.wp_id} is in a loop of replies: placed at the "
                    "top level.",
                )
            stack = [(root, None)]
            while stack:
                comment, parent = stack.pop()
                if comment.wp_id in seen:
                    continue
                seen.add(comment.wp_id)
                order.append((comment, parent))
                stack.extend((reply, comment) for reply in reversed(replies[comment.wp_id]))
        return order

    def allowed_parent(self, comment, parent, placed, title):
        """Where the reply may go: not under spam (the discussion never shows spam, nor what
        hangs below it) and no deeper than the thread depth. Spam may stay under spam."""
        if parent is not None and parent.is_spam and comment.approved != "spam":
            while parent is not None and parent.is_spam:
                parent = self.parent_of(parent, placed)
            self.report.warn(
                "comments",
                f"“{title}”: comment {comment.wp_id} replies to a spam comment: placed "
                + (
                    "under the nearest comment above it that is not spam."
                    if parent
                    else "at the top level."
                ),
            )
        if parent is not None and parent.level >= self.max_level:
            while parent.level >= self.max_level:
                parent = self.parent_of(parent, placed)
            self.report.warn(
                "comments",
                f"“{title}”: comment {comment.wp_id} is deeper than threads go here "
                f"({self.max_level + 1} levels): placed under the deepest comment it may answer.",
            )
        return parent

    def parent_of(self, comment, placed):
        return None if comment.level == 0 else placed[comment.parent_pk]

    def create_comment(self, comment, article, parent):
        is_public, is_removed, is_spam = self.state_of(comment)
        saved = Comment(
            content_type=self.article_type,
            object_pk=str(article.pk),
            site_id=settings.SITE_ID,
            user=self.account_of(comment),
            user_name=cut(content.plain_text(comment.author), NAME_MAX_LENGTH),
            user_email=comment.email if len(comment.email) <= 254 else "",
            user_url=comment.url if len(comment.url) <= 200 else "",
            comment=content.comment_text(comment.content),
            submit_date=comment.date or article.published_at or timezone.now(),
            ip_address=valid_ip(comment.ip),
            is_public=is_public,
            is_removed=is_removed,
            is_spam=is_spam,
            moderation_reasons=[IMPORTED],
            # 0: a top-level comment, which save() makes the root of its own thread.
            parent_id=parent.pk if parent is not None else 0,
        )
        # Placed as the export has it, under a held or removed comment too (comments/models.py).
        saved._importing = True
        saved.save()
        return saved

    def state_of(self, comment):
        """(is_public, is_removed, is_spam). Spam and trash keep, in is_public, the state
        WordPress recorded before (its _wp_trash_meta_status), so a restore gives it back."""
        before = comment.meta.get("_wp_trash_meta_status") == "1"
        if comment.approved == "1":
            return True, False, False
        if comment.approved == "spam":
            return before, True, True
        if comment.approved == "trash":
            return before, True, False
        if comment.approved != "0":
            self.report.warn(
                "comments",
                f"Comment {comment.wp_id}: unknown state {comment.approved!r}: "
                "held for a moderator.",
            )
        return False, False, False

    def account_of(self, comment):
        """The account of an imported author who wrote the comment logged in: WordPress's
        user id points at them and the email is theirs. Anyone else comments without one."""
        user, email = self.authors_by_id.get(comment.user_id, (None, ""))
        if user is not None and email and comment.email.lower() == email:
            return user
        return None


def singular(kind, number):
    names = {
        "authors": "author",
        "topics": "category or tag",
        "posts": "post",
        "attachments": "attachment",
        "comments": "comment",
        "pingbacks": "pingback or trackback",
    }
    name = names[kind]
    if number == 1:
        return name
    return {
        "category or tag": "categories or tags",
        "pingback or trackback": "pingbacks and trackbacks",
    }.get(name, name + "s")


def cut(text, limit):
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def username_for(login):
    return re.sub(r"[^\w.@+-]", "-", login).strip("-")[:140] or "wordpress-author"


def free_username(base):
    user_model = get_user_model()
    taken = set(
        user_model.objects.filter(username__startswith=base).values_list("username", flat=True)
    )
    username, number = base, 2
    while username in taken:
        username = f"{base}-{number}"
        number += 1
    return username


def article_slug(text):
    """A slug for the article's permalink (/yyyy/mm/dd/<slug>/): the words of a decoded
    WordPress slug (or a title) in any script, within the 200 characters a slug holds."""
    return slugify(text, allow_unicode=True)[:200].strip("-_")


def free_slug(base):
    taken = set(Article.objects.filter(slug__startswith=base[:190]).values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken:
        suffix = f"-{number}"
        slug = base[: 200 - len(suffix)].rstrip("-_") + suffix
        number += 1
    return slug


def valid_ip(text):
    try:
        return str(ip_address(text.strip()))
    except ValueError:
        return None
