from collections import defaultdict

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.actions import delete_selected as delete_selected_action
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from reversion.admin import VersionAdmin
from reversion_compare.admin import CompareVersionAdmin

from . import images
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

    class Media:
        # "Move up" / "Move down" buttons that renumber the positions (progressive enhancement).
        js = ["blog/admin/section_order.js"]


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


class TagAdmin(VersionAdmin):
    """Topics and motives, each with how many articles or sections use it."""

    usage = ""  # the reverse relation counted: "articles" or "sections"
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_list_display(self, request):
        return ["name", "slug", "usage_count"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).annotate(usage_count=Count(self.usage)).order_by("name")
        )

    @admin.display(description="used by", ordering="usage_count")
    def usage_count(self, tag):
        # "1 section", "2 sections"
        noun = self.usage if tag.usage_count != 1 else self.usage.removesuffix("s")
        return f"{tag.usage_count} {noun}"


@admin.register(Motive)
class MotiveAdmin(TagAdmin):
    usage = "sections"


@admin.register(Topic)
class TopicAdmin(TagAdmin):
    usage = "articles"


class ImageAdminForm(forms.ModelForm):
    """Judges an upload by its content (blog/images.py) before anything reaches storage;
    a refusal is an error on the file field."""

    file = forms.FileField(widget=AdminFileWidget(attrs={"accept": images.ACCEPT}))

    class Meta:
        model = Image
        fields = ["file", "alt_text", "caption", "credit"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"JPEG, PNG, WebP or GIF, up to {filesizeformat(settings.IMAGE_MAX_UPLOAD_BYTES)} "
            f"and {settings.IMAGE_MAX_PIXELS / 1_000_000:g} million pixels. Location, camera "
            "and other metadata are removed; smaller sizes are made for the site."
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if isinstance(upload, UploadedFile):
            # The cleaned, re-encoded image replaces the upload: Image.save() stores it as is.
            return images.prepare(upload)
        return upload


def image_uses(image_ids):
    """For each image id, the articles showing it: [(article, how), ...], in title order."""
    uses = defaultdict(list)
    for article in Article.objects.filter(featured_image__in=image_ids).only(
        "id", "title", "featured_image_id"
    ):
        uses[article.featured_image_id].append((article, "featured image"))
    sections = (
        Section.objects.filter(figure__in=image_ids)
        .select_related("article")
        .only("id", "position", "kind", "heading", "figure_id", "article__id", "article__title")
    )
    for section in sections:
        uses[section.figure_id].append((section.article, f"figure in “{section.label}”"))
    for found in uses.values():
        found.sort(key=lambda use: (use[0].title, use[1]))
    return uses


def uses_as_html(uses):
    return format_html(
        "<ul>{}</ul>",
        format_html_join(
            "",
            '<li><a href="{}">{}</a> — {}</li>',
            (
                (reverse("admin:blog_article_change", args=[article.pk]), article.title, how)
                for article, how in uses
            ),
        ),
    )


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageAdminForm
    list_display = ["thumbnail", "alt_text", "caption", "format", "width", "height", "uploaded_by"]
    list_display_links = ["thumbnail", "alt_text"]
    list_filter = ["format"]
    search_fields = ["alt_text", "caption", "credit"]
    readonly_fields = ["thumbnail", "width", "height", "uploaded_by", "uploaded_at", "used_in"]
    fields = ["file", "thumbnail", "alt_text", "caption", "credit", ("width", "height")]
    fields += [("uploaded_by", "uploaded_at"), "used_in"]
    actions = ["delete_selected"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("uploaded_by")
            .prefetch_related("renditions")
        )

    def save_model(self, request, obj, form, change):
        if obj.uploaded_by_id is None:
            obj.uploaded_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description="preview")
    def thumbnail(self, image):
        rendition = image.thumbnail_rendition if image.pk else None
        if rendition is None:
            return "—"
        return format_html(
            '<img class="image-thumbnail" src="{}" alt="" width="{}" height="{}">',
            rendition.file.url,
            rendition.width,
            rendition.height,
        )

    @admin.display(description="used in")
    def used_in(self, image):
        uses = image_uses([image.pk]).get(image.pk) if image.pk else None
        if not uses:
            return "No article shows this image."
        return uses_as_html(uses)

    def delete_view(self, request, object_id, extra_context=None):
        # Articles lose the image rather than being deleted with it (SET_NULL), so Django's
        # confirmation page would not name them: this one does.
        image = self.get_object(request, unquote(object_id))
        uses = image_uses([image.pk]) if image is not None else {}
        extra_context = {**(extra_context or {}), "image_uses": self.uses_by_image(uses)}
        return super().delete_view(request, object_id, extra_context)

    @admin.action(permissions=["delete"], description="Delete selected images")
    def delete_selected(self, request, queryset):
        response = delete_selected_action(self, request, queryset)
        if isinstance(response, TemplateResponse):
            uses = image_uses(queryset.values("pk"))
            response.context_data["image_uses"] = self.uses_by_image(uses)
        return response

    def uses_by_image(self, uses):
        """[(image, list of its uses as HTML)] for the images in use, for the warning."""
        if not uses:
            return []
        in_use = Image.objects.filter(pk__in=list(uses)).order_by("pk")
        return [(image, uses_as_html(uses[image.pk])) for image in in_use]
