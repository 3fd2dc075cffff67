"""The site's comment: django-comments-xtd's XtdComment, with the threading done safely.

xtd inserts a comment, commits, then computes its place in the thread without a lock
(duplicate `order`s, deadlocks and orphan rows under concurrent replies), and its
pre-save receiver re-publishes a whole sub-thread and inflates `nested_count` on every
save. Here the insert and the thread calculation are one transaction that holds the
thread's root row, a unique index on (thread_id, order) guards the result, and a
comment's state changes only through `record_decision()`. Which emails a change owes is
the services' business (comments/services.py), not the model's.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import (
    CharField,
    Count,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from django_comments_xtd.models import XtdComment

from blog.models import Article, ContentVersion, Section

from ..moderators import is_moderator
from ..rendering import comment_body_html
from ..rules import NEWEST_FIRST
from .audit import ModerationEvent
from .discussion_settings import current_rules
from .revisions import CommentRevision

# Past this many characters a name is cut (contrib-comments' column holds 50).
NAME_MAX_LENGTH = 50
# Written when a comment joins its thread and by the thread's own updates, never by save().
THREAD_FIELDS = {"thread_id", "parent_id", "level", "order", "nested_count"}


class ReplyRefused(ValidationError):
    """A reply that may not join its thread; nothing of it is saved."""


# Who sees which comment, as conditions for queries (CommentQuerySet.visible_to and
# threads_listed_before; Comment.is_visible_to is the same test on one comment read): a
# moderator every comment not removed; any other reader the public ones and their own
# awaiting moderation.
SEEN_BY_MODERATORS = Q(is_removed=False)


def seen_by_readers(user):
    """The comments `user` sees when they do not moderate."""
    if user.is_authenticated:
        return Q(Q(is_public=True) | Q(user=user), is_removed=False)
    return Comment.STATE_FILTERS[Comment.State.APPROVED]


class CommentQuerySet(models.QuerySet):
    def on_articles(self):
        """Comments on this site's articles: the one definition every listing starts from."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(Article), site_id=settings.SITE_ID
        )

    def for_article(self, article):
        """One article's comments; `article` is an Article or its primary key."""
        return self.on_articles().filter(object_pk=str(getattr(article, "pk", article)))

    def public(self):
        """Approved and not removed: what every reader may see and count."""
        return self.in_state(Comment.State.APPROVED)

    def published(self):
        """What is published outside the page (feeds, the motive page): public, and spam
        excluded on its own as well, so that no row edited by hand can publish one."""
        return self.public().filter(is_spam=False)

    def held(self):
        """Pending: waiting for a moderator."""
        return self.in_state(Comment.State.PENDING)

    def in_state(self, state):
        return self.filter(Comment.STATE_FILTERS[state])

    def visible_to(self, user):
        """What a reader sees: public comments, and their own that await moderation; a
        moderator sees every pending comment too. Comment.is_visible_to() is the same test
        for one comment already read."""
        if is_moderator(user):
            return self.filter(SEEN_BY_MODERATORS)
        return self.filter(seen_by_readers(user))

    def roots(self):
        return self.filter(level=0)

    def on_published_articles(self):
        """Comments on the site's published articles. object_pk is text (a generic
        relation): the published articles' ids are cast to match."""
        published_ids = (
            Article.objects.published().annotate(id_text=Cast("pk", CharField())).values("id_text")
        )
        return self.on_articles().filter(object_pk__in=published_ids)

    def on_motive(self, motive):
        """Comments that discuss a section arguing `motive` (a reply carries its thread's
        section, so a thread is wholly in or out)."""
        return self.filter(section__motives=motive)

    def section_counts(self):
        """{section id: number of these comments}, in one aggregate query."""
        rows = (
            self.exclude(section=None)
            .order_by()
            .values_list("section_id")
            .annotate(count=Count("pk"))
        )
        return dict(rows)

    def in_thread_order(self, order=None):
        """Threads oldest (or newest) first, as given or as the rules say; within a thread,
        the tree's reading order."""
        thread = "-thread_id" if (order or current_rules().order) == NEWEST_FIRST else "thread_id"
        return self.order_by(thread, "order")

    # Which page of the discussion a comment is on: threads are listed for a viewer when
    # they hold any comment the viewer may see (a removed top-level comment with visible
    # replies stays as a placeholder), and paged by the rules. The discussion page lists
    # listed_roots(), a comment's permalink counts threads_listed_before(), the comment
    # feeds count with_threads_before(): three forms of that one definition.

    def listed_roots(self, viewer):
        """The top-level comments of the threads listed for `viewer`; `self` is one
        article's comments (or a correlated subquery standing for them)."""
        # IN (the threads holding a visible comment), computed once, rather than EXISTS
        # per root: SQLite runs a correlated EXISTS as a nested loop (28 ms at 1,000 comments).
        return self.roots().filter(thread_id__in=self.visible_to(viewer).values("thread_id"))

    def threads_listed_before(self, viewer, thread_id, order):
        """How many threads are listed for `viewer` before thread `thread_id`; `self` is one
        article's comments. The distinct threads of the comments the viewer may see, in one
        pass over the article's comments; for a logged-in viewer the threads a reader and
        those a moderator would see are counted together, and whether the viewer moderates
        is asked only when the two differ. One query where there were two (the viewer's
        permissions, then listed_roots() counted, each root matched against the visible
        threads): a comment's page at 1,750 comments went from 3.5-6.3 ms to 2.5-3.9
        (SQLite, built and run, alternating in one process)."""
        before = self.listed_before(thread_id, order)
        readers = Count("thread_id", filter=seen_by_readers(viewer), distinct=True)
        if not viewer.is_authenticated:
            return before.aggregate(threads=readers)["threads"]
        counts = before.aggregate(
            readers=readers,
            moderators=Count("thread_id", filter=SEEN_BY_MODERATORS, distinct=True),
        )
        if counts["readers"] == counts["moderators"] or not is_moderator(viewer):
            return counts["readers"]
        return counts["moderators"]

    def listed_before(self, thread_id, order):
        """Of these comments, those in threads listed before thread `thread_id` (a value or
        an OuterRef)."""
        before = "thread_id__gt" if order == NEWEST_FIRST else "thread_id__lt"
        return self.filter(**{before: thread_id})

    def with_threads_before(self, order):
        """Annotates each comment with the number of threads listed before its own on its
        article's discussion for a reader not logged in: Comment.page_number(None) in the
        listing's one query, instead of two queries per comment."""
        same_article = Comment.objects.filter(
            content_type_id=OuterRef("content_type_id"), object_pk=OuterRef("object_pk")
        )
        earlier_roots = (
            same_article.listed_roots(AnonymousUser())
            .listed_before(OuterRef("thread_id"), order)
            .order_by()
            .values("object_pk")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return self.annotate(threads_before=Coalesce(Subquery(earlier_roots), 0))


class Comment(XtdComment):
    # Named explicitly: the default reverse name, "comment", is taken by the text field.
    xtdcomment_ptr = models.OneToOneField(
        XtdComment,
        on_delete=models.CASCADE,
        parent_link=True,
        primary_key=True,
        related_name="site_comment",
    )
    # A digest of (user, article, form timestamp, reply_to, text): the same form posted
    # twice stores one comment. Empty for comments that came another way (admin, import).
    # NULL, not "", when absent: the unique constraint must allow many of them.
    submission_key = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, editable=False
    )

    # Spam is removed too (never shown, never counted); is_public keeps the comment's state
    # from before, so that "restore" gives back exactly what was there.
    is_spam = models.BooleanField(default=False, db_index=True)
    # Why the moderation policy or a moderator decided as it did: "first comment", "2 links",
    # "word: casino", "reported by readers".
    moderation_reasons = models.JSONField(default=list, blank=True)
    # The text as HTML, rendered when the text is saved (as sections keep their Markdown
    # rendered): a page shows it as it is, with no work per comment.
    body_html = models.TextField(blank=True, editable=False)
    # The motive section of the article that this comment discusses ("Discuss this
    # motive"); a reply carries its parent's, set when it joins the thread. Comments from
    # before, and imported ones, have none.
    section = models.ForeignKey(
        Section,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    # When its author last changed the text (each earlier text is a CommentRevision).
    edited_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Removed by its author, not by a moderator: its placeholder says so, and no moderator
    # restores what its author took back.
    removed_by_author = models.BooleanField(default=False, editable=False)

    objects = CommentQuerySet.as_manager()

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"

    STATE_FILTERS = {
        State.PENDING: Q(is_public=False, is_removed=False),
        State.APPROVED: Q(is_public=True, is_removed=False),
        State.SPAM: Q(is_spam=True),
        State.REMOVED: Q(is_removed=True, is_spam=False),
    }

    # What each recorded decision sets. Only this comment changes: its replies keep their
    # own states (xtd's cascade is off); restore keeps is_public, so the comment is again
    # exactly what it was before spam or removal.
    DECISION_FLAGS = {
        ModerationEvent.Action.APPROVE: {"is_public": True, "is_removed": False, "is_spam": False},
        ModerationEvent.Action.UNAPPROVE: {
            "is_public": False,
            "is_removed": False,
            "is_spam": False,
        },
        ModerationEvent.Action.SPAM: {"is_removed": True, "is_spam": True},
        ModerationEvent.Action.REMOVE: {"is_removed": True, "is_spam": False},
        ModerationEvent.Action.RESTORE: {"is_removed": False, "is_spam": False},
        ModerationEvent.Action.REPORTED: {"is_public": False},
        ModerationEvent.Action.AUTHOR_REMOVED: {
            "is_removed": True,
            "is_spam": False,
            "removed_by_author": True,
        },
    }

    class Meta:
        app_label = "comments"
        verbose_name = "comment"
        verbose_name_plural = "comments"
        ordering = ["thread_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["submission_key"], name="comment_unique_submission")
        ]

    def __str__(self):
        return f"{self.user_name or 'Anonymous'}: {self.comment[:50]}"

    @property
    def article_pk(self):
        """The commented article's primary key: contrib-comments keeps it as text in
        `object_pk` (a generic relation), so this is read from there, not a column."""
        return int(self.object_pk)

    @property
    def anchor(self):
        return f"c{self.pk}"

    def get_absolute_url(self):
        """The comment in place, as its author sees the discussion (their held ones included)."""
        return self.url_for(self.user)

    def url_for(self, viewer, article=None):
        """The comment in place on its article, on the page that holds its thread for `viewer`
        (`article`: the comment's, when the caller holds it already)."""
        if article is None:
            article = Article.objects.get(pk=self.article_pk)
        return self.url_on_page(article, self.page_number(viewer))

    def url_on_page(self, article, page):
        url = article.get_absolute_url()
        if page > 1:
            url += f"?cpage={page}"
        return f"{url}#{self.anchor}"

    def page_number(self, viewer=None):
        """The page of the discussion that shows this comment's thread to `viewer`."""
        rules = current_rules()
        comments = Comment.objects.for_article(self.article_pk)
        # Whatever a viewer may see, no more threads are listed before this one than there
        # are top-level comments before it: when those fit before the end of the first page,
        # so does every viewer's count, which then need not be made (counting the roots is
        # the cheaper of the two: 0.35 ms against 0.9 at 250 comments on SQLite).
        if rules.page_of(comments.roots().listed_before(self.thread_id, rules.order).count()) == 1:
            return 1
        return rules.page_of(
            comments.threads_listed_before(viewer or AnonymousUser(), self.thread_id, rules.order)
        )

    def get_reply_url(self):
        return reverse("comments:reply", kwargs={"pk": self.pk})

    def allow_thread(self):
        """Whether a reply to this comment stays within the thread depth."""
        return self.level < current_rules().max_level

    @property
    def is_held(self):
        return self.state == self.State.PENDING

    def is_visible_to(self, user):
        """CommentQuerySet.visible_to() for one comment already read."""
        if self.is_removed:
            return False
        return (
            self.is_public
            or is_moderator(user)
            or (user.is_authenticated and self.user_id == user.pk)
        )

    def get_state_display(self):
        return self.State(self.state).label

    @property
    def state(self):
        if self.is_spam:
            return self.State.SPAM
        if self.is_removed:
            return self.State.REMOVED
        return self.State.APPROVED if self.is_public else self.State.PENDING

    @staticmethod
    def submission_key_for(user_id, article_id, timestamp, reply_to, text):
        raw = f"{user_id}|{article_id}|{timestamp}|{reply_to}|{text}"
        return hashlib.sha256(raw.encode()).hexdigest()

    # Saving -------------------------------------------------------------------------
    #
    # Every write below calls Model.save() through `super(XtdComment, self)`, skipping
    # XtdComment.save(): that method computes thread_id, level and order after an insert
    # that has already committed and without a lock (flaw 1 in docs/comments-xtd.md).
    # _insert_into_thread() computes them instead, inside the insert's transaction.

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "comment" in update_fields:
            self.body_html = comment_body_html(self.comment)
            if update_fields is not None:
                kwargs["update_fields"] = [*update_fields, "body_html"]
        # Every page and fragment that shows comments is cached under the content version.
        ContentVersion.bump()
        if self._state.adding and self.pk is None:
            self._insert_into_thread(*args, **kwargs)
            return
        if kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            # The thread fields belong to the thread: a copy read before later replies (one
            # open in the admin, say) must not write back their old values.
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in THREAD_FIELDS
            ]
        super(XtdComment, self).save(*args, **kwargs)

    def _insert_into_thread(self, *args, **kwargs):
        kwargs["force_insert"] = True
        with transaction.atomic(using=kwargs.get("using")):
            if self.parent_id and self.parent_id != self.pk:
                self._take_place_under_parent()
                super(XtdComment, self).save(*args, **kwargs)
                self._count_under_ancestors()
            else:
                self.thread_id = self.parent_id = self.level = 0
                self.order = 1
                super(XtdComment, self).save(*args, **kwargs)
                # A top-level comment starts its own thread, named by its own id.
                self.thread_id = self.parent_id = self.pk
                XtdComment.norel_objects.filter(pk=self.pk).update(
                    thread_id=self.pk, parent_id=self.pk
                )

    def _take_place_under_parent(self):
        """Lock the thread, check the parent, and make room for this reply after its subtree.

        Every writer to a thread takes the root row first, so replies to one thread are
        placed one after another and never deadlock each other.
        """
        thread = XtdComment.norel_objects.filter(
            pk=XtdComment.norel_objects.filter(pk=self.parent_id).values("thread_id")[:1]
        )
        list(thread.select_for_update().values_list("pk", flat=True))
        # The parent's section is on the site's table, read in the same query.
        parent = (
            XtdComment.norel_objects.filter(pk=self.parent_id)
            .annotate(site_section_id=F("site_comment__section_id"))
            .first()
        )
        self._check_parent(parent)
        # A reply discusses what its thread discusses, whatever its form said.
        self.section_id = parent.site_section_id
        self.thread_id = parent.thread_id
        self.level = parent.level + 1
        in_thread = XtdComment.norel_objects.filter(thread_id=parent.thread_id)
        # The reply goes after the parent's existing subtree: before the first later
        # comment at the parent's level or above, or at the end of the thread.
        following = in_thread.filter(level__lte=parent.level, order__gt=parent.order)
        next_order = following.aggregate(first=Min("order"))["first"]
        if next_order is None:
            self.order = in_thread.aggregate(last=Max("order"))["last"] + 1
        else:
            # Shifted in two steps through negative values, so the unique index on
            # (thread_id, order) holds after every row of the update.
            shifted = in_thread.filter(order__gte=next_order)
            shifted.update(order=-(F("order") + 1))
            in_thread.filter(order__lt=0).update(order=-F("order"))
            self.order = next_order
        self._parent = parent

    def _check_parent(self, parent):
        if parent is None or (parent.content_type_id, parent.object_pk) != (
            self.content_type_id,
            self.object_pk,
        ):
            raise ReplyRefused("The comment you are replying to is not on this article.")
        # The WordPress import (wordpress/importer.py) sets `_importing` to bring a reply
        # that already exists under a held or removed comment; it never skips the other checks.
        importing = getattr(self, "_importing", False)
        if not importing and (not parent.is_public or parent.is_removed):
            raise ReplyRefused("The comment you are replying to is not open for replies.")
        if parent.level >= current_rules().max_level:
            raise ReplyRefused(
                "This conversation is as deep as replies go: reply to an earlier comment instead."
            )

    def _count_under_ancestors(self):
        """`nested_count` counts every reply below a comment, at any depth."""
        ancestor_ids = []
        ancestor = self._parent
        while True:
            ancestor_ids.append(ancestor.pk)
            if ancestor.level == 0:
                break
            ancestor = XtdComment.norel_objects.only("pk", "level", "parent_id").get(
                pk=ancestor.parent_id
            )
        XtdComment.norel_objects.filter(pk__in=ancestor_ids).update(
            nested_count=F("nested_count") + 1
        )

    # State changes ------------------------------------------------------------------

    def save_in_state(self, *, is_public, is_spam, reasons):
        """Save a new comment in the state the moderation policy decided, with its reasons,
        recorded as the rules' decision."""
        self.is_public = is_public
        self.is_spam = self.is_removed = is_spam
        self.moderation_reasons = list(reasons)
        with transaction.atomic():
            self.save()
            ModerationEvent.objects.create(
                comment=self, action=ModerationEvent.Action.POLICY, reasons=list(reasons)
            )
            if self.is_public:
                # One more approved comment: added in the database (atomic under concurrent
                # posts), rather than recounting the article's comments at every post. A
                # change of state recounts (refresh_comment_count).
                Article.objects.filter(pk=self.article_pk).update(
                    comment_count=F("comment_count") + 1
                )

    def was_ever_approved(self):
        return self.events.filter(action=ModerationEvent.Action.APPROVE).exists()

    def record_decision(self, action, by=None, reasons=(), recount=True):
        """Set the state flags of `action`, record the decision, recount the article.

        Nothing happens, and False is answered, when the comment is already in that state.
        `recount=False` leaves the count to the caller: a decision on many comments
        recounts each article once, at the end, in the same transaction.
        """
        flags = self.DECISION_FLAGS[action]
        if all(getattr(self, name) == value for name, value in flags.items()):
            return False
        with transaction.atomic():
            for name, value in flags.items():
                setattr(self, name, value)
            update_fields = list(flags)
            if reasons:
                self.moderation_reasons = list(reasons)
                update_fields.append("moderation_reasons")
            self.save(update_fields=update_fields)
            ModerationEvent.objects.create(
                comment=self, actor=by, action=action, reasons=list(reasons)
            )
            if recount:
                refresh_comment_count(self.article_pk)
        return True

    # The author's own changes ----------------------------------------------------------

    def edit_deadline(self, rules=None):
        """Until when its author may edit it (the editor's window from its posting), or None
        when the rules allow no editing."""
        minutes = (rules or current_rules()).edit_window_minutes
        if not minutes:
            return None
        return self.submit_date + timedelta(minutes=minutes)

    def edit_refusal(self, user, rules=None, now=None):
        """Why `user` may not edit this comment now, or None when they may: only its author,
        within the window, and not once a moderator removed it or it went to spam."""
        if not user.is_authenticated or self.user_id != user.pk:
            return "Only its author can edit a comment."
        if self.is_removed:
            return "This comment was removed: it can no longer be edited."
        deadline = self.edit_deadline(rules)
        if deadline is None:
            return "Comments cannot be edited on this site."
        if (now or timezone.now()) >= deadline:
            return "The time to edit this comment is over."
        return None

    def deletion_refusal(self, user):
        """Why `user` may not delete this comment, or None: its author may, at any time,
        unless it is already removed (by a moderator, as spam, or by them)."""
        if not user.is_authenticated or self.user_id != user.pk:
            return "Only its author can delete a comment."
        if self.is_removed:
            return "This comment was removed already."
        return None

    def revise(self, text, editor, *, is_public, is_spam, action, reasons):
        """Replace the text with an edit, in the state the rules decided for it: the text it
        replaces is kept as a CommentRevision and the edit is recorded as `action`, with the
        author as its actor and the rules' `reasons`."""
        now = timezone.now()
        with transaction.atomic():
            # Two edits at once: each keeps the text it really replaces.
            previous = (
                Comment.objects.select_for_update()
                .filter(pk=self.pk)
                .values_list("comment", flat=True)
                .get()
            )
            was_public = self.is_public and not self.is_removed
            CommentRevision.objects.create(
                comment=self, previous_text=previous, edited_at=now, editor=editor
            )
            self.comment = text
            self.edited_at = now
            self.is_public = is_public
            self.is_spam = self.is_removed = is_spam
            if not is_public:
                # Why it is held or spam now; an approved edit keeps why it was decided.
                self.moderation_reasons = list(reasons)
            self.save(
                update_fields=[
                    "comment",
                    "edited_at",
                    "is_public",
                    "is_removed",
                    "is_spam",
                    "moderation_reasons",
                ]
            )
            ModerationEvent.objects.create(
                comment=self, actor=editor, action=action, reasons=list(reasons)
            )
            if was_public != (self.is_public and not self.is_removed):
                refresh_comment_count(self.article_pk)

    def returns_from_an_edit(self):
        """Held because its author edited it after it was public: its followers have heard
        of it already."""
        if self.edited_at is None:
            return False
        latest = self.events.order_by("-created_at", "-id").values_list("action", flat=True)
        return latest.first() == ModerationEvent.Action.EDIT_HELD

    def withdraw(self, by):
        """Its author takes it back. With replies below it (any: a held reply keeps its
        place too) it stays as a placeholder, removed by its author, and True is answered;
        without, it is deleted, its ancestors count one reply fewer, and False is answered."""
        with transaction.atomic():
            # The thread's root first, as every writer to a thread: no reply lands under it
            # between the count read here and the delete.
            thread = XtdComment.norel_objects.filter(pk=self.thread_id)
            list(thread.select_for_update().values_list("pk", flat=True))
            row = XtdComment.norel_objects.filter(pk=self.pk).values("nested_count", "level")
            row = row.get()
            if row["nested_count"]:
                self.record_decision(ModerationEvent.Action.AUTHOR_REMOVED, by)
                return True
            ancestor_ids = []
            parent_id, level = self.parent_id, row["level"]
            while level > 0:
                ancestor_ids.append(parent_id)
                parent = XtdComment.norel_objects.values("parent_id", "level").get(pk=parent_id)
                parent_id, level = parent["parent_id"], parent["level"]
            XtdComment.norel_objects.filter(pk__in=ancestor_ids).update(
                nested_count=F("nested_count") - 1
            )
            pk, article_pk, was_public = self.pk, self.article_pk, self.is_public
            was_public = was_public and not self.is_removed
            # Multi-table inheritance: its rows in all three tables go, with its revisions,
            # reports and events (the one below stays, without the comment).
            Comment.objects.filter(pk=pk).delete()
            ModerationEvent.objects.create(
                actor=by,
                action=ModerationEvent.Action.AUTHOR_DELETED,
                reasons=[f"comment {pk} on article {article_pk}"],
            )
            ContentVersion.bump()
            if was_public:
                refresh_comment_count(article_pk)
        return False


def refresh_comment_count(article_pk):
    """Article.comment_count: approved comments only, recounted where the state changed.

    The article's row is locked before counting, so that two approvals at once count one
    after the other and the later write is never a stale total.
    """
    with transaction.atomic():
        list(Article.objects.select_for_update().filter(pk=article_pk).values_list("pk"))
        count = Comment.objects.for_article(article_pk).public().count()
        Article.objects.filter(pk=article_pk).update(comment_count=count)
