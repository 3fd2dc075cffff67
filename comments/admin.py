"""The moderator's queue and the discussion's other admin pages.

Every change of state goes through the moderator decisions of comments/services.py
(DECISIONS: the bulk actions and the buttons on a comment's page are made from it), one
comment or user at a time, with the acting moderator: each decision is recorded in the
audit trail, the article's count is recounted, and the emails an approval owes are sent.
Nothing here updates a queryset in bulk, and nothing is edited in a form that could
bypass those decisions.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.module_loading import import_string
from django.utils.text import Truncator
from django.utils.timezone import localtime
from django.views.decorators.http import require_POST
from django_tasks import TaskResultStatus
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from blog.models import Article

from .erasure import ErasureRefused, erase_reader, is_tombstone, refusal
from .models import (
    Comment,
    Commenter,
    CommentRevision,
    DiscussionSettings,
    ModerationEvent,
    Report,
    current_rules,
)
from .moderators import is_moderator
from .notifications import send_email
from .rules import FORMER_READER, REMOVE
from .services import DECISIONS, decide, decisions_for, plural

EXCERPT_LENGTH = 90


def when(moment):
    return date_format(localtime(moment), "DATETIME_FORMAT")


def who(actor):
    return actor.get_username() if actor is not None else "the rules"


def set_standings(request, users, standing, done):
    changed = sum(Commenter.set_standing(user, standing, by=request.user) for user in users)
    return f"{plural(changed, 'commenter')} {done}."


class ModeratorPermissionMixin:
    def has_moderate_permission(self, request):
        return is_moderator(request.user)


# The queue ---------------------------------------------------------------------------


class StateFilter(admin.SimpleListFilter):
    """Pending, approved, spam, removed, each with its count, as WordPress shows them."""

    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        # One query for the four counts.
        counts = Comment.objects.aggregate(
            **{
                state.value: Count("pk", filter=condition)
                for state, condition in Comment.STATE_FILTERS.items()
            }
        )
        return [(state.value, f"{state.label} ({counts[state.value]})") for state in Comment.State]

    def queryset(self, request, queryset):
        if self.value() in Comment.State.values:
            return queryset.in_state(self.value())
        return queryset


def article_pk_of_comment():
    # object_pk is text (contrib-comments' generic key); every comment here is on an article.
    return Cast("object_pk", BigIntegerField())


class ArticleFilter(admin.SimpleListFilter):
    """The articles that have comments, read in one query."""

    title = "article"
    parameter_name = "article"

    def lookups(self, request, model_admin):
        commented = Comment.objects.filter(
            content_type__app_label=Article._meta.app_label,
            content_type__model=Article._meta.model_name,
        ).values(article_pk=article_pk_of_comment())
        return list(
            Article.objects.filter(pk__in=commented)
            .order_by("title", "pk")
            .values_list("pk", "title")
        )

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(object_pk=str(int(self.value())))
        return queryset


class ReadOnly:
    """Shown, never added, edited or deleted through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnly, admin.TabularInline):
    """Rows shown on a comment's page and never edited there."""

    extra = 0
    can_delete = False


class ModerationEventInline(ReadOnlyInline):
    """The comment's audit trail, oldest first: what was decided, by whom, and why."""

    model = ModerationEvent
    fk_name = "comment"
    verbose_name = "decision"
    verbose_name_plural = "audit trail"
    fields = ["decided_at", "decided_by", "action", "reasons_text"]
    readonly_fields = fields
    ordering = ["created_at", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    @admin.display(description="when")
    def decided_at(self, event):
        return when(event.created_at)

    @admin.display(description="by")
    def decided_by(self, event):
        return who(event.actor)

    @admin.display(description="reasons")
    def reasons_text(self, event):
        return ", ".join(event.reasons) or "—"


class CommentRevisionInline(ReadOnlyInline):
    """Every earlier version of the comment, oldest first: the text its author replaced,
    who replaced it, and when (the current text is the comment's own)."""

    model = CommentRevision
    verbose_name = "earlier version"
    verbose_name_plural = "earlier versions (edits by the author)"
    fields = ["replaced_at", "replaced_by", "previous_text"]
    readonly_fields = fields
    ordering = ["edited_at", "id"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("editor")

    @admin.display(description="replaced")
    def replaced_at(self, revision):
        return when(revision.edited_at)

    @admin.display(description="by")
    def replaced_by(self, revision):
        return revision.editor.get_username() if revision.editor is not None else "—"


class ReportInline(ReadOnlyInline):
    model = Report
    verbose_name_plural = "readers' reports"
    fields = ["reporter", "created_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reporter")


def bulk_action(decision):
    """The admin action for one of the moderator decisions, named as the table names it."""

    def action(model_admin, request, queryset):
        model_admin.apply_in_bulk(request, queryset, decision)

    action.__name__ = decision.admin_action
    return admin.action(description=decision.bulk_label, permissions=["moderate"])(action)


# Read-only for everyone. Comments come from readers through the site, where the rules are
# applied; a saved form would write the state flags and the text without a record (decisions
# are the actions and the page's buttons); a deleted comment would leave its replies orphaned
# in the thread, its article's count stale, and take its audit trail with it (removing hides
# it instead; purge_spam deletes old spam).
@admin.register(Comment)
class CommentAdmin(ReadOnly, ModeratorPermissionMixin, admin.ModelAdmin):
    """The moderation queue. Pending comments come first; a moderator decides in bulk with
    the actions, or one comment at a time with the buttons on its page."""

    list_display = [
        "excerpt",
        "author",
        "article",
        "state_label",
        "reasons",
        "report_count",
        "submit_date",
        "ip_address",
        "on_site",
    ]
    list_display_links = ["excerpt"]
    list_filter = [StateFilter, ArticleFilter]
    list_select_related = ["user"]
    search_fields = [
        "comment",
        "user_name",
        "user_email",
        "user__username",
        "user__email",
        "ip_address",
    ]
    search_help_text = "Text, name, username, email or IP address."
    date_hierarchy = "submit_date"
    # Pending first (the work to do), then the newest.
    ordering = [
        Case(
            When(is_public=False, is_removed=False, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ).asc(),
        "-submit_date",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "comment",
                    "state_label",
                    "reasons",
                    "article",
                    "submit_date",
                    "edited_at",
                    "report_count",
                ]
            },
        ),
        (
            "Author",
            {
                "fields": [
                    "user",
                    "user_name",
                    "user_email",
                    "user_url",
                    "ip_address",
                    "author_standing",
                    "followup",
                ]
            },
        ),
        (
            "Place in the thread",
            {
                "classes": ["collapse"],
                "fields": [
                    "thread_id",
                    "parent_id",
                    "level",
                    "order",
                    "nested_count",
                    "content_type",
                    "object_pk",
                    "site",
                ],
            },
        ),
    ]
    readonly_fields = [
        "state_label",
        "reasons",
        "article",
        "edited_at",
        "report_count",
        "author_standing",
    ]
    inlines = [ModerationEventInline, CommentRevisionInline, ReportInline]
    actions = [bulk_action(decision) for decision in DECISIONS.values()]

    class Media:
        css = {"all": ["css/admin_queue.css"]}

    # The queue's rows: every column from the row itself, the page's articles in one query.

    def get_queryset(self, request):
        reports = (
            Report.objects.filter(comment=OuterRef("pk"))
            .order_by()
            .values("comment")
            .annotate(total=Count("pk"))
            .values("total")
        )
        return super().get_queryset(request).annotate(reports_total=Coalesce(Subquery(reports), 0))

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        ids = {row.article_pk for row in rows}
        articles = (
            Article.objects.only("pk", "title", "slug", "published_at").in_bulk(ids) if ids else {}
        )
        for row in rows:
            row.queue_article = articles.get(row.article_pk)
        return changelist

    def article_of(self, comment):
        if hasattr(comment, "queue_article"):
            return comment.queue_article
        return Article.objects.filter(pk=comment.article_pk).first()

    @admin.display(description="comment")
    def excerpt(self, comment):
        return Truncator(comment.comment).chars(EXCERPT_LENGTH)

    @admin.display(description="author", ordering="user_name")
    def author(self, comment):
        name = comment.user_name or "Anonymous"
        if comment.user_id is None:
            return name
        return format_html(
            '{}<br><span class="queue-account">{} · {}</span>',
            name,
            comment.user.get_username(),
            comment.user_email or comment.user.email or "no email",
        )

    @admin.display(description="article")
    def article(self, comment):
        article = self.article_of(comment)
        if article is None:
            return f"(article {comment.object_pk}, deleted)"
        return format_html('<a href="{}">{}</a>', article.get_absolute_url(), article.title)

    @admin.display(description="state")
    def state_label(self, comment):
        return format_html(
            '<span class="queue-state queue-state--{}">{}</span>',
            comment.state,
            comment.get_state_display(),
        )

    @admin.display(description="reasons")
    def reasons(self, comment):
        return ", ".join(comment.moderation_reasons) or "—"

    @admin.display(description="reports", ordering="reports_total")
    def report_count(self, comment):
        # Annotated by get_queryset, for the queue's rows and the comment's page alike.
        return comment.reports_total

    @admin.display(description="on the site")
    def on_site(self, comment):
        url = self.view_on_site(comment)
        if url is None:
            return "—"
        return format_html('<a href="{}">View on site</a>', url)

    @admin.display(description="author's standing")
    def author_standing(self, comment):
        if comment.user_id is None:
            return "No account"
        standing = Commenter.Standing(Commenter.standing_of(comment.user))
        return standing.label

    def view_on_site(self, comment):
        """The comment in place, through its permalink (which pages it for the viewer);
        a removed comment has no place on the site."""
        if comment.is_removed:
            return None
        return reverse("comments:permalink", kwargs={"pk": comment.pk})

    def apply_in_bulk(self, request, queryset, decision):
        if decision.about_author:
            queryset = queryset.select_related("user")
        message, changed = decide(decision, queryset, request.user)
        self.message_user(request, message, messages.SUCCESS if changed else messages.WARNING)

    # One comment's page: its decisions as buttons, posted to a view of their own.

    def get_urls(self):
        moderate = path(
            "<path:object_id>/moderate/",
            self.admin_site.admin_view(self.moderate_view),
            name="comments_comment_moderate",
        )
        # Before the defaults: their "<path:object_id>/" would catch it.
        return [moderate, *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        comment = self.get_object(request, object_id)
        if comment is not None and self.has_moderate_permission(request):
            extra_context["moderation_decisions"] = decisions_for(comment)
            extra_context["moderate_url"] = reverse(
                "admin:comments_comment_moderate", args=[comment.pk]
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def moderate_view(self, request, object_id):
        return require_POST(self._moderate)(request, object_id)

    def _moderate(self, request, object_id):
        if not self.has_moderate_permission(request):
            raise PermissionDenied
        comment = get_object_or_404(Comment, pk=object_id)
        decision = DECISIONS.get(request.POST.get("decision"))
        if decision is None:
            return HttpResponseBadRequest("Unknown moderation decision.")
        message, changed = decide(decision, [comment], request.user)
        self.message_user(request, message, messages.SUCCESS if changed else messages.WARNING)
        return redirect("admin:comments_comment_change", comment.pk)


# Commenters ------------------------------------------------------------------------------


@admin.register(Commenter)
class CommenterAdmin(ModeratorPermissionMixin, admin.ModelAdmin):
    """Banned and trusted users. Every change goes through Commenter.set_standing, so that
    the audit trail records who decided it."""

    list_display = ["user", "email", "standing", "note", "updated_at", "their_comments"]
    list_filter = ["standing"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]
    raw_id_fields = ["user"]
    fields = ["user", "standing", "note", "updated_at", "standing_history"]
    readonly_fields = ["updated_at", "standing_history"]
    actions = ["ban", "trust", "back_to_the_rules"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            # A commenter row is about one user for good.
            return ["user", *self.readonly_fields]
        return self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        # Deleting would reset the standing without a record: "Back to the rules" does it.
        return False

    @admin.display(description="email", ordering="user__email")
    def email(self, commenter):
        return commenter.user.email

    @admin.display(description="comments")
    def their_comments(self, commenter):
        url = reverse("admin:comments_comment_changelist") + f"?user__exact={commenter.user_id}"
        return format_html('<a href="{}">Their comments</a>', url)

    @admin.display(description="standing history")
    def standing_history(self, commenter):
        if commenter.pk is None:
            return "—"
        events = ModerationEvent.objects.filter(commenter=commenter.user_id).select_related("actor")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    when(event.created_at),
                    who(event.actor),
                    event.get_action_display(),
                    ", ".join(event.reasons) or "—",
                )
                for event in events
            ),
        )
        if not rows:
            return "No decision yet."
        return format_html(
            '<table class="queue-history"><thead><tr><th>when</th><th>by</th><th>decision</th>'
            "<th>note</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def save_model(self, request, obj, form, change):
        Commenter.set_standing(obj.user, obj.standing, by=request.user, note=obj.note)
        saved = Commenter.objects.get(user=obj.user)
        if saved.note != obj.note:
            # set_standing keeps the old note when given none and saves nothing when the
            # standing stays: a note on its own is not a decision, so it is written alone.
            Commenter.objects.filter(pk=saved.pk).update(note=obj.note)
        obj.pk = saved.pk
        obj.updated_at = saved.updated_at

    def _set(self, request, queryset, standing, done):
        users = [commenter.user for commenter in queryset.select_related("user")]
        self.message_user(request, set_standings(request, users, standing, done), messages.SUCCESS)

    @admin.action(description="Ban selected commenters", permissions=["moderate"])
    def ban(self, request, queryset):
        self._set(request, queryset, Commenter.Standing.BANNED, "banned")

    @admin.action(description="Trust selected commenters", permissions=["moderate"])
    def trust(self, request, queryset):
        self._set(request, queryset, Commenter.Standing.TRUSTED, "trusted")

    @admin.action(description="Put selected commenters back to the rules", permissions=["moderate"])
    def back_to_the_rules(self, request, queryset):
        self._set(request, queryset, Commenter.Standing.RULES, "back to the rules")


# Discussion settings -----------------------------------------------------------------------


@admin.register(DiscussionSettings)
class DiscussionSettingsAdmin(admin.ModelAdmin):
    """One row, grouped as WordPress's Settings → Discussion. Its save clears the cached
    rules, so the next comment follows the new ones."""

    fieldsets = [
        ("Before a comment appears", {"fields": ["manual_approval", "approve_returning_authors"]}),
        (
            "Comment moderation",
            {
                "fields": [
                    "hold_links_at",
                    "moderation_words",
                    "disallowed_words",
                    "report_threshold",
                ]
            },
        ),
        ("Threads and pages", {"fields": ["thread_depth", "top_level_per_page", "order"]}),
        ("Emails to moderators", {"fields": ["moderator_digest_minutes"]}),
        ("When a reader erases their account", {"fields": ["erasure"]}),
        ("Authors' own comments", {"fields": ["edit_window_minutes"]}),
        ("Other", {"fields": ["flood_interval", "max_length", "close_after_days"]}),
    ]

    def has_add_permission(self, request):
        # The one row is made by DiscussionSettings.load() when the page is first opened.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        settings_row = DiscussionSettings.load()
        return HttpResponseRedirect(
            reverse("admin:comments_discussionsettings_change", args=[settings_row.pk])
        )


# The audit trail ---------------------------------------------------------------------------


@admin.register(ModerationEvent)
class ModerationEventAdmin(ReadOnly, admin.ModelAdmin):
    """Every decision, by moderators and by the rules. Read only: a record is never edited."""

    list_display = [
        "created_at",
        "decided_by",
        "action",
        "comment_link",
        "commenter",
        "reasons_text",
    ]
    list_filter = ["action", "created_at"]
    list_select_related = ["actor", "commenter", "comment"]
    search_fields = ["actor__username", "commenter__username", "comment__comment"]

    @admin.display(description="by", ordering="actor__username")
    def decided_by(self, event):
        return who(event.actor)

    @admin.display(description="comment")
    def comment_link(self, event):
        if event.comment_id is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:comments_comment_change", args=[event.comment_id]),
            Truncator(event.comment.comment).chars(60),
        )

    @admin.display(description="reasons")
    def reasons_text(self, event):
        return ", ".join(event.reasons) or "—"


# Readers' accounts: erasure on a request received by mail -----------------------------------

User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class ReaderAdmin(UserAdmin):
    """Django's user admin, with the erasure a reader can ask for by mail: the same service as
    their account page's (comments/erasure.py), recorded in the audit trail with the staff
    member who did it."""

    actions = [*(UserAdmin.actions or []), "erase_readers"]

    def has_delete_permission(self, request, obj=None):
        # The tombstone holds the audit trail of every erased reader: deleting it would
        # cascade their events away.
        if obj is not None and is_tombstone(obj):
            return False
        return super().has_delete_permission(request, obj)

    def has_erase_permission(self, request):
        return request.user.has_perm(f"{User._meta.app_label}.delete_{User._meta.model_name}")

    @admin.action(
        description="Erase the selected readers' accounts (a request received by mail)",
        permissions=["erase"],
    )
    def erase_readers(self, request, queryset):
        users = list(queryset.order_by("username"))
        if request.POST.get("confirmed") != "yes":
            # Irreversible: a page that says what will happen, as Delete's does.
            return TemplateResponse(
                request,
                "admin/comments/erase_readers.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Erase readers' accounts",
                    "opts": self.model._meta,
                    "readers": [(user, refusal(user)) for user in users],
                    "comments_removed": current_rules().erasure == REMOVE,
                    "former_reader": FORMER_READER,
                    "action_checkbox_name": ACTION_CHECKBOX_NAME,
                },
            )
        erased, refused = 0, []
        for user in users:
            try:
                erase_reader(user, by=request.user)
            except ErasureRefused as reason:
                refused.append(f"{user.get_username()}: {reason}")
            else:
                erased += 1
        self.message_user(request, f"{plural(erased, 'account')} erased.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.WARNING)
        return None


# Background tasks ----------------------------------------------------------------------

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    """The background tasks (emails, image renditions) as django_tasks_db lists them, with each
    failed task's error in the list and an action to try it again. An email is failed only
    once its retries are spent (notifications.send_email): nothing else will send it."""

    list_display = ("task_name", "status", "error", "enqueued_at", "run_after", "finished_at")
    list_filter = ("status", "task_path")
    actions = ["retry_tasks"]

    @admin.display(description="error")
    def error(self, result):
        if result.status != TaskResultStatus.FAILED or not result.traceback:
            return ""
        return Truncator(result.traceback.strip().splitlines()[-1]).chars(200)

    def has_retry_permission(self, request):
        return request.user.has_perm("django_tasks_database.change_dbtaskresult")

    @admin.action(description="Retry selected failed tasks now", permissions=["retry"])
    def retry_tasks(self, request, queryset):
        """Each failed task is replaced by a new one with the same arguments, ready now. A
        failed email gets one more try: if the mail server still refuses, it is failed again
        at once, with the new error."""
        retried = 0
        for result in queryset.filter(status=TaskResultStatus.FAILED):
            # The task as declared (ready now), not as last queued (run_after past).
            task = import_string(result.task_path).using(
                backend=result.backend_name, queue_name=result.queue_name
            )
            args = result.args_kwargs["args"]
            kwargs = dict(result.args_kwargs["kwargs"])
            if result.task_path == send_email.module_path:
                kwargs["attempt"] = len(settings.EMAIL_RETRY_DELAYS) + 1
            with transaction.atomic():
                task.enqueue(*args, **kwargs)
                result.delete()
            retried += 1
        self.message_user(
            request,
            f"{plural(retried, 'task')} queued again.",
            messages.SUCCESS if retried else messages.WARNING,
        )
