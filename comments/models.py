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
from django.db import models, transaction
from django.db.models import F, Max, Min, Q
from django.urls import reverse
from django_comments.models import CommentFlag
from django_comments_xtd.models import XtdComment

from blog.models import Article

from .rules import NEWEST_FIRST, current_rules

# Past this many characters a name is cut (contrib-comments' column holds 50).
NAME_MAX_LENGTH = 50
# Written when a comment joins its thread and by the thread's own updates, never by save().
THREAD_FIELDS = {"thread_id", "parent_id", "level", "order", "nested_count"}


class ReplyRefused(ValidationError):
    """A reply that may not join its thread; nothing of it is saved."""


class CommentQuerySet(models.QuerySet):
    def for_article(self, article):
        return self.filter(
            content_type=ContentType.objects.get_for_model(Article),
            object_pk=str(article.pk),
            site_id=settings.SITE_ID,
        )

    def public(self):
        """Approved and not removed: what every reader may see and count."""
        return self.filter(is_public=True, is_removed=False)

    def held(self):
        return self.filter(is_public=False, is_removed=False)

    def visible_to(self, user):
        """What a reader sees: public comments, and their own that await moderation."""
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

    objects = CommentQuerySet.as_manager()

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
        earlier_roots = (
            Comment.objects.filter(content_type_id=self.content_type_id, object_pk=self.object_pk)
            .visible_to(viewer or AnonymousUser())
            .roots()
        )
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
        return not self.is_public and not self.is_removed

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
        if not parent.is_public or parent.is_removed:
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

    def approve(self, by=None):
        """Publish this comment alone (never its replies) and tell its article's followers."""
        from . import notifications

        if self.is_public and not self.is_removed:
            return False
        with transaction.atomic():
            self.is_public = True
            self.is_removed = False
            self.save(update_fields=["is_public", "is_removed"])
            if by is not None:
                CommentFlag.objects.get_or_create(
                    comment=self, user=by, flag=CommentFlag.MODERATOR_APPROVAL
                )
            refresh_comment_count(self.article_id)
            notifications.notify_followers_on_commit(self)
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
