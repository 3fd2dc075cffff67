"""The site's comment: django-comments-xtd's XtdComment, with the threading done safely.

xtd inserts a comment, commits, then computes its place in the thread without a lock
(duplicate `order`s, deadlocks and orphan rows under concurrent replies), and its
pre-save receiver re-publishes a whole sub-thread and inflates `nested_count` on every
save. Here the insert and the thread calculation are one transaction that holds the
thread's root row, a unique index on (thread_id, order) guards the result, and a
comment's state changes only through the methods below.
"""

import hashlib

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Max, Min, Q
from django.urls import reverse
from django.utils import timezone
from django_comments_xtd.models import XtdComment

from blog.models import Article

from .rules import NEWEST_FIRST, OLDEST_FIRST, DiscussionRules, current_rules, forget_rules

# Past this many characters a name is cut (contrib-comments' column holds 50).
NAME_MAX_LENGTH = 50
# Written when a comment joins its thread and by the thread's own updates, never by save().
THREAD_FIELDS = {"thread_id", "parent_id", "level", "order", "nested_count"}


class ReplyRefused(ValidationError):
    """A reply that may not join its thread; nothing of it is saved."""


def is_moderator(user):
    """May approve, hold, mark as spam and remove comments (contrib-comments' permission;
    xtd's copy of it grants nothing: flaw 15 in docs/comments-xtd.md)."""
    return (
        user.is_authenticated and user.is_active and user.has_perm("django_comments.can_moderate")
    )


class CommentQuerySet(models.QuerySet):
    def for_article(self, article):
        return self.filter(
            content_type=ContentType.objects.get_for_model(Article),
            object_pk=str(article.pk),
            site_id=settings.SITE_ID,
        )

    def public(self):
        """Approved and not removed: what every reader may see and count."""
        return self.in_state(Comment.State.APPROVED)

    def held(self):
        """Pending: waiting for a moderator."""
        return self.in_state(Comment.State.PENDING)

    def in_state(self, state):
        return self.filter(Comment.STATE_FILTERS[state])

    def visible_to(self, user):
        """What a reader sees: public comments, and their own that await moderation; a
        moderator sees every pending comment too. Comment.is_visible_to() mirrors this."""
        if is_moderator(user):
            return self.filter(is_removed=False)
        if user.is_authenticated:
            return self.filter(Q(is_public=True) | Q(user=user), is_removed=False)
        return self.public()

    def roots(self):
        return self.filter(level=0)

    def in_thread_order(self, order=None):
        """Threads oldest (or newest) first; within a thread, the tree's reading order."""
        thread = "-thread_id" if (order or current_rules().order) == NEWEST_FIRST else "thread_id"
        return self.order_by(thread, "order")


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

    class Meta:
        verbose_name = "comment"
        verbose_name_plural = "comments"
        ordering = ["thread_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["submission_key"], name="comment_unique_submission")
        ]

    def __str__(self):
        return f"{self.user_name or 'Anonymous'}: {self.comment[:50]}"

    @property
    def article_id(self):
        return int(self.object_pk)

    @property
    def anchor(self):
        return f"c{self.pk}"

    def get_absolute_url(self):
        """The comment in place, as its author sees the discussion (their held ones included)."""
        return self.url_for(self.user)

    def url_for(self, viewer):
        """The comment in place on its article, on the page that holds its thread for `viewer`."""
        article = Article.objects.get(pk=self.article_id)
        url = article.get_absolute_url()
        page = self.page_number(viewer)
        if page > 1:
            url += f"?cpage={page}"
        return f"{url}#{self.anchor}"

    def page_number(self, viewer=None):
        """Counts the threads before this one the way the discussion pages them for `viewer`."""
        rules = current_rules()
        in_article = Comment.objects.filter(
            content_type_id=self.content_type_id, object_pk=self.object_pk
        )
        # As the discussion pages them: threads in which the viewer may see any comment.
        seen_threads = in_article.visible_to(viewer or AnonymousUser()).values("thread_id")
        earlier_roots = in_article.roots().filter(thread_id__in=seen_threads)
        if rules.order == NEWEST_FIRST:
            earlier_roots = earlier_roots.filter(thread_id__gt=self.thread_id)
        else:
            earlier_roots = earlier_roots.filter(thread_id__lt=self.thread_id)
        return earlier_roots.count() // rules.top_level_per_page + 1

    def get_reply_url(self):
        return reverse("comments:reply", kwargs={"pk": self.pk})

    def allow_thread(self):
        """Whether a reply to this comment stays within the thread depth."""
        return self.level < current_rules().max_level

    @property
    def is_held(self):
        return self.state == self.State.PENDING

    def is_visible_to(self, user):
        """Mirrors CommentQuerySet.visible_to() for one comment already read."""
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

    def save(self, *args, **kwargs):
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
        # Skips XtdComment.save(); its pre-save cascade is disconnected in apps.py.
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
        parent = XtdComment.norel_objects.filter(pk=self.parent_id).first()
        self._check_parent(parent)
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
        # The WordPress import (comments/wordpress/) sets `_importing` to bring a reply that
        # already exists under a held or removed comment; it never skips the other checks.
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

    def save_as_decided(self, decision):
        """Save a new comment in the state the moderation policy decided, with its reasons."""
        from . import notifications
        from .policy import HOLD, SPAM

        self.is_public = decision.is_public
        self.is_spam = self.is_removed = decision.action == SPAM
        self.moderation_reasons = list(decision.reasons)
        with transaction.atomic():
            self.save()
            ModerationEvent.objects.create(
                comment=self, action=ModerationEvent.Action.POLICY, reasons=list(decision.reasons)
            )
            if self.is_public:
                refresh_comment_count(self.article_id)
                notifications.notify_followers_on_commit(self)
            elif decision.action == HOLD:
                notifications.notify_moderators_on_commit(self)

    def approve(self, by=None, reasons=()):
        """Publish this comment alone (never its replies). Followers hear of it, and so does
        its author when a moderator released it from the queue."""
        # The author hears of it once: when a moderator first releases it from the queue.
        first_release = (
            by is not None
            and self.state == self.State.PENDING
            and not self.events.filter(action=ModerationEvent.Action.APPROVE).exists()
        )
        changed = self._change(
            ModerationEvent.Action.APPROVE,
            by,
            reasons,
            is_public=True,
            is_removed=False,
            is_spam=False,
        )
        if changed:
            from . import notifications

            notifications.notify_followers_on_commit(self)
            if first_release:
                notifications.notify_author_of_approval_on_commit(self)
        return changed

    def unapprove(self, by=None, reasons=()):
        """Back to pending: hidden until a moderator decides again."""
        return self._change(
            ModerationEvent.Action.UNAPPROVE,
            by,
            reasons,
            is_public=False,
            is_removed=False,
            is_spam=False,
        )

    def mark_spam(self, by=None, reasons=()):
        return self._change(ModerationEvent.Action.SPAM, by, reasons, is_removed=True, is_spam=True)

    def remove(self, by=None, reasons=()):
        """Hidden; its approved replies stay, under a "This comment was removed." placeholder."""
        return self._change(
            ModerationEvent.Action.REMOVE, by, reasons, is_removed=True, is_spam=False
        )

    def restore(self, by=None, reasons=()):
        """Undo spam or removal: the comment is again exactly what it was before."""
        return self._change(
            ModerationEvent.Action.RESTORE, by, reasons, is_removed=False, is_spam=False
        )

    def report(self, reader):
        """A reader's report, once per reader. At the rules' threshold an approved comment
        goes back to pending, and moderators are told. True when the report is new."""
        from . import notifications

        with transaction.atomic():
            _, created = Report.objects.get_or_create(comment=self, reporter=reader)
            if not created:
                return False
            reports = self.reports.count()
            if self.state == self.State.APPROVED and reports >= current_rules().report_threshold:
                self._change(
                    ModerationEvent.Action.REPORTED,
                    None,
                    ["reported by readers"],
                    is_public=False,
                )
                notifications.notify_moderators_on_commit(
                    self, template="comments/email/reported.txt"
                )
        return True

    def _change(self, action, by, reasons, **flags):
        """Set the state flags, record the decision, recount; nothing when nothing changes.

        Only this comment changes: its replies keep their own states (xtd's cascade is off).
        """
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
            refresh_comment_count(self.article_id)
        return True


# A moderator's decisions by name, for the buttons on the site and in the admin.
MODERATOR_DECISIONS = {
    "approve": Comment.approve,
    "unapprove": Comment.unapprove,
    "spam": Comment.mark_spam,
    "remove": Comment.remove,
    "restore": Comment.restore,
}


class ModerationEvent(models.Model):
    """The audit trail: who decided what about a comment or a commenter, when, and why.

    contrib-comments' CommentFlag has this shape, but its unique (user, comment, flag)
    cannot record a moderator taking the same decision twice (approve, unapprove, approve).
    An event with no actor is the moderation policy's own decision.
    """

    class Action(models.TextChoices):
        POLICY = "policy", "Decided by the rules"
        APPROVE = "approve", "Approved"
        UNAPPROVE = "unapprove", "Unapproved"
        SPAM = "spam", "Marked as spam"
        REMOVE = "remove", "Removed"
        RESTORE = "restore", "Restored"
        REPORTED = "reported", "Returned to pending by readers' reports"
        BAN = "ban", "Banned the commenter"
        TRUST = "trust", "Trusted the commenter"
        RESET = "reset", "Commenter back to the rules"

    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    commenter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="moderation_events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="moderation_decisions",
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    reasons = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["comment", "-created_at"], name="event_comment_idx")]

    def __str__(self):
        if self.actor is None:
            return self.get_action_display()
        return f"{self.get_action_display()} by {self.actor}"


class Report(models.Model):
    """A logged-in reader's report of a comment; one per reader and comment."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_reports"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "reporter"], name="report_once_per_reader")
        ]

    def __str__(self):
        return f"{self.reporter} reported comment {self.comment_id}"


class Commenter(models.Model):
    """A moderator's standing decision about one user: banned, or trusted (always approved)."""

    class Standing(models.TextChoices):
        RULES = "rules", "Moderated by the rules"
        TRUSTED = "trusted", "Trusted: always approved"
        BANNED = "banned", "Banned: cannot comment"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="commenter"
    )
    standing = models.CharField(max_length=10, choices=Standing.choices, default=Standing.RULES)
    note = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__username"]

    def __str__(self):
        return f"{self.user} ({self.get_standing_display()})"

    @classmethod
    def standing_of(cls, user):
        if not user.is_authenticated:
            return cls.Standing.RULES
        return (
            cls.objects.filter(user=user).values_list("standing", flat=True).first()
            or cls.Standing.RULES
        )

    @classmethod
    def set_standing(cls, user, standing, by=None, note=""):
        """Ban, trust or reset a user; recorded in the audit trail."""
        action = {
            cls.Standing.BANNED: ModerationEvent.Action.BAN,
            cls.Standing.TRUSTED: ModerationEvent.Action.TRUST,
            cls.Standing.RULES: ModerationEvent.Action.RESET,
        }[standing]
        with transaction.atomic():
            commenter, _ = cls.objects.get_or_create(user=user)
            if commenter.standing == standing:
                return False
            commenter.standing = standing
            commenter.note = note or commenter.note
            commenter.save()
            ModerationEvent.objects.create(
                commenter=user, actor=by, action=action, reasons=[note] if note else []
            )
        return True


def refresh_comment_count(article_id):
    """Article.comment_count: approved comments only, recounted where the state changed.

    The article's row is locked before counting, so that two approvals at once count one
    after the other and the later write is never a stale total.
    """
    with transaction.atomic():
        list(Article.objects.select_for_update().filter(pk=article_id).values_list("pk"))
        count = (
            Comment.objects.filter(
                content_type=ContentType.objects.get_for_model(Article),
                object_pk=str(article_id),
            )
            .public()
            .count()
        )
        Article.objects.filter(pk=article_id).update(comment_count=count)


class DiscussionSettings(models.Model):
    """The discussion rules an editor sets in the admin, as WordPress's Settings → Discussion.

    One row; its defaults are DiscussionRules' (comments/rules.py). Saving it clears the
    cached rules: the next comment, in any app process, follows the new ones.
    """

    SINGLETON_PK = 1
    DEFAULTS = DiscussionRules()

    manual_approval = models.BooleanField(
        "Comments must be manually approved", default=DEFAULTS.manual_approval
    )
    approve_returning_authors = models.BooleanField(
        "Automatically approve authors with a previously approved comment",
        default=DEFAULTS.approve_returning_authors,
    )
    hold_links_at = models.PositiveSmallIntegerField(
        "Hold a comment with this many links or more",
        default=DEFAULTS.hold_links_at,
        help_text="0: links never hold a comment.",
    )
    moderation_words = models.TextField(
        "Hold comments containing",
        blank=True,
        help_text="One word or phrase per line, matched in the text, name, email and IP "
        "address. A match holds the comment for a moderator.",
    )
    disallowed_words = models.TextField(
        "Send to spam comments containing",
        blank=True,
        help_text="One word or phrase per line, matched like the list above. A match sends the "
        "comment straight to spam: it is never shown.",
    )
    flood_interval = models.PositiveIntegerField(
        "Seconds between two comments of one user", default=DEFAULTS.flood_interval
    )
    max_length = models.PositiveIntegerField(
        "Longest comment, in characters",
        default=DEFAULTS.max_length,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
    )
    close_after_days = models.PositiveIntegerField(
        "Close comments on articles older than this many days",
        null=True,
        blank=True,
        help_text="Empty: comments stay open.",
    )
    thread_depth = models.PositiveSmallIntegerField(
        "Thread depth",
        default=DEFAULTS.thread_depth,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="1: no replies; 5: a comment and four levels of replies.",
    )
    top_level_per_page = models.PositiveSmallIntegerField(
        "Top-level comments per page",
        default=DEFAULTS.top_level_per_page,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    order = models.CharField(
        "Threads shown",
        max_length=10,
        choices=[(OLDEST_FIRST, "Oldest first"), (NEWEST_FIRST, "Newest first")],
        default=DEFAULTS.order,
    )
    report_threshold = models.PositiveSmallIntegerField(
        "Reports that send a comment back to pending",
        default=DEFAULTS.report_threshold,
        validators=[MinValueValidator(1)],
    )

    class Meta:
        verbose_name = "discussion settings"
        verbose_name_plural = "discussion settings"

    def __str__(self):
        return "Discussion settings"

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)
        # Now for this process, and again at commit: another process may have cached the
        # old row in between.
        forget_rules()
        transaction.on_commit(forget_rules)

    @classmethod
    def load(cls):
        return cls.objects.get_or_create(pk=cls.SINGLETON_PK)[0]
