from django.contrib import admin, messages

from .models import Comment


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Comments as a moderator reviews them; approving goes through Comment.approve()."""

    list_display = [
        "__str__",
        "user_name",
        "article_link",
        "submit_date",
        "is_public",
        "is_removed",
    ]
    list_filter = ["is_public", "is_removed"]
    search_fields = ["comment", "user_name", "user_email", "user__username", "ip_address"]
    date_hierarchy = "submit_date"
    ordering = ["-submit_date"]
    readonly_fields = [
        "content_type",
        "object_pk",
        "site",
        "user",
        "user_name",
        "user_email",
        "submit_date",
        "ip_address",
        "thread_id",
        "parent_id",
        "level",
        "order",
        "nested_count",
        "is_public",
        "is_removed",
    ]
    fields = [*readonly_fields[:8], "comment", "followup", *readonly_fields[8:]]
    actions = ["approve_comments"]

    def has_add_permission(self, request):
        # Comments come from readers through the site, where the rules are applied.
        return False

    @admin.display(description="article")
    def article_link(self, comment):
        return comment.object_pk

    @admin.action(description="Approve selected comments", permissions=["change"])
    def approve_comments(self, request, queryset):
        approved = sum(comment.approve(by=request.user) for comment in queryset)
        self.message_user(request, f"{approved} comment(s) approved.", messages.SUCCESS)
