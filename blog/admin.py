from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html
from reversion.admin import VersionAdmin
from reversion_compare.admin import CompareVersionAdmin

from .models import Article, Image, Motive, Section, Topic


class PublicationStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("published", "Published"), ("scheduled", "Scheduled"), ("draft", "Draft")]

    def queryset(self, request, queryset):
        match self.value():
            case "published":
                return queryset.published()
            case "scheduled":
                return queryset.scheduled()
            case "draft":
                return queryset.drafts()
        return queryset


class SectionFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        anchors = [
            form.cleaned_data["anchor"]
            for form in self.forms
            if form.cleaned_data.get("anchor") and not form.cleaned_data.get("DELETE")
        ]
        duplicates = sorted({anchor for anchor in anchors if anchors.count(anchor) > 1})
        if duplicates:
            raise ValidationError(
                "Two sections cannot share the anchor %(anchors)s.",
                params={"anchors": ", ".join(duplicates)},
            )


class SectionInline(admin.StackedInline):
    model = Section
    formset = SectionFormSet
    extra = 1
    fields = [("position", "kind"), ("heading", "anchor"), "motives", "body", "figure"]
    autocomplete_fields = ["motives", "figure"]
    ordering = ["position"]


@admin.register(Article)
class ArticleAdmin(CompareVersionAdmin):
    """Every save is a revision (django-reversion follows the inline sections and their
    motives); History lists them, compares two, and restores one."""

    list_display = ["title", "status_label", "published_at", "author", "comment_count"]
    list_filter = [PublicationStatusFilter, "topics", "author"]
    search_fields = ["title", "excerpt", "slug"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["topics", "featured_image", "author"]
    readonly_fields = ["created_at", "updated_at", "comment_count"]
    inlines = [SectionInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "excerpt", "author", "topics"]}),
        ("Publication", {"fields": ["published_at", ("created_at", "updated_at")]}),
        ("Featured image", {"fields": ["featured_image"]}),
        ("Discussion", {"fields": ["allow_comments", "comments_close_at", "comment_count"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def get_changeform_initial_data(self, request):
        return {"author": request.user.pk, **super().get_changeform_initial_data(request)}

    def revision_view(self, request, object_id, version_id, extra_context=None):
        # Restoring writes each section back at its old position one row at a time;
        # the current rows step aside first so the unique (article, position) holds.
        with transaction.atomic():
            Section.objects.filter(article_id=object_id).park_positions()
            response = super().revision_view(request, object_id, version_id, extra_context)
            restored = request.method == "POST" and response.status_code == 302
            # A preview (GET) or a failed restore leaves everything as it was.
            if not restored or Section.objects.filter(article_id=object_id).parked().exists():
                transaction.set_rollback(True)
        return response

    @admin.display(description="status", ordering="published_at")
    def status_label(self, article):
        return article.status.capitalize()

    @transaction.atomic
    def save_formset(self, request, form, formset, change):
        if formset.model is not Section:
            return super().save_formset(request, form, formset, change)
        sections = formset.save(commit=False)
        for section in formset.deleted_objects:
            section.delete()
        # Reordering swaps positions; the formset saves one row at a time, so the
        # moved rows step aside first to keep the unique (article, position) intact.
        Section.objects.filter(pk__in=[s.pk for s in sections if s.pk]).park_positions()
        for section in sections:
            section.save()
        formset.save_m2m()


@admin.register(Motive)
class MotiveAdmin(VersionAdmin):
    list_display = ["name", "slug", "section_count"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(section_count=Count("sections")).order_by("name")
        )

    @admin.display(description="sections", ordering="section_count")
    def section_count(self, motive):
        return motive.section_count


@admin.register(Topic)
class TopicAdmin(VersionAdmin):
    list_display = ["name", "slug", "article_count"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(article_count=Count("articles")).order_by("name")
        )

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, topic):
        return topic.article_count


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["thumbnail", "alt_text", "caption", "width", "height", "uploaded_by"]
    list_display_links = ["thumbnail", "alt_text"]
    search_fields = ["alt_text", "caption", "credit"]
    readonly_fields = ["thumbnail", "width", "height", "uploaded_by", "uploaded_at"]
    fields = ["file", "thumbnail", "alt_text", "caption", "credit", ("width", "height")]
    fields += [("uploaded_by", "uploaded_at")]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    def save_model(self, request, obj, form, change):
        if obj.uploaded_by_id is None:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="preview")
    def thumbnail(self, image):
        if not image.file:
            return "—"
        return format_html(
            '<img src="{}" alt="" style="max-height:4rem;max-width:8rem">', image.file.url
        )
