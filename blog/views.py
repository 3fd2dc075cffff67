from django.conf import settings
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.encoding import escape_uri_path
from django.utils.http import urlencode
from django.views.generic import DetailView, ListView, dates

from .caching import ReadingPageCaching
from .links import absolute_url
from .models import Article, Motive, Section, Topic
from .search import SearchResults, attach_matches, clean_query, search_articles


def can_preview(user):
    return user.is_active and user.is_staff and user.has_perm("blog.view_article")


class ArticleListView(ReadingPageCaching, ListView):
    """Published articles as cards, newest first, paginated."""

    paginate_by = settings.ARTICLES_PER_PAGE
    context_object_name = "articles"

    def get_queryset(self):
        return Article.objects.published().for_cards()


class HomeView(ArticleListView):
    template_name = "blog/home.html"


class TopicView(ArticleListView):
    template_name = "blog/topic.html"

    def get_queryset(self):
        self.topic = get_object_or_404(Topic, slug=self.kwargs["slug"])
        return super().get_queryset().filter(topics=self.topic)

    def get_context_data(self, **kwargs):
        return super().get_context_data(topic=self.topic, **kwargs)


class ArticleView(ReadingPageCaching, DetailView):
    """An article at its date permalink; staff also see scheduled ones, marked as a preview."""

    template_name = "blog/article.html"
    context_object_name = "article"

    def get_queryset(self):
        articles = Article.objects.for_reading()
        if can_preview(self.request.user):
            return articles
        return articles.published()

    def get_object(self, queryset=None):
        return get_object_or_404(self.get_queryset(), slug=self.kwargs["slug"])

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        # A permalink with the wrong date still finds its article, at its one true address.
        # request.path is decoded, reverse() percent-encodes: compare them alike (non-ASCII slugs).
        if escape_uri_path(request.path) != self.object.get_absolute_url():
            return redirect(self.object, permanent=self.object.is_published())
        response = self.render_to_response(self.get_context_data(object=self.object))
        if not self.object.is_published():
            add_never_cache_headers(response)
        return response

    def get_context_data(self, **kwargs):
        article = self.object
        context = super().get_context_data(**kwargs)
        context["is_preview"] = not article.is_published()
        if article.is_published():
            neighbours = Article.objects.published().only("title", "slug", "published_at")
            context["previous_article"] = (
                neighbours.filter(published_at__lt=article.published_at)
                .order_by("-published_at", "-id")
                .first()
            )
            context["next_article"] = (
                neighbours.filter(published_at__gt=article.published_at)
                .order_by("published_at", "id")
                .first()
            )
        return context


class ArticlePreviewView(ArticleView):
    """Where staff read a draft, which has no date permalink yet."""

    def get_queryset(self):
        if not can_preview(self.request.user):
            raise Http404
        return Article.objects.for_reading()

    def get_object(self, queryset=None):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


class MotiveIndexView(ReadingPageCaching, ListView):
    template_name = "blog/motive_index.html"
    context_object_name = "motives"

    def get_queryset(self):
        published_sections = Q(sections__article__in=Article.objects.published())
        return Motive.objects.annotate(
            section_count=Count("sections", filter=published_sections, distinct=True)
        ).filter(section_count__gt=0)


class MotiveView(ReadingPageCaching, ListView):
    """Every published section that argues this motive, newest article first."""

    template_name = "blog/motive.html"
    context_object_name = "sections"
    paginate_by = 20

    def get_queryset(self):
        self.motive = get_object_or_404(Motive, slug=self.kwargs["slug"])
        return (
            Section.objects.filter(motives=self.motive, article__in=Article.objects.published())
            .select_related("article")
            .order_by("-article__published_at", "article_id", "position")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(motive=self.motive, **kwargs)


class SearchView(ReadingPageCaching, ListView):
    template_name = "blog/search.html"
    context_object_name = "results"
    paginate_by = settings.ARTICLES_PER_PAGE

    def get_queryset(self):
        self.query = clean_query(self.request.GET.get("q", ""))
        if not self.query:
            return SearchResults()
        return search_articles(self.query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
        attach_matches(context["results"], self.query)
        context["page_query"] = urlencode({"q": self.query})
        return context


class ArchiveMixin(ReadingPageCaching):
    date_field = "published_at"
    make_object_list = True
    allow_empty = False
    paginate_by = settings.ARTICLES_PER_PAGE
    context_object_name = "articles"

    def get_queryset(self):
        return Article.objects.published()

    def get_dated_items(self):
        # Only the listed articles need their cards' prefetches, not the lookups of
        # the neighbouring months and years.
        date_list, articles, extra_context = super().get_dated_items()
        return date_list, articles.for_cards(), extra_context


class YearArchiveView(ArchiveMixin, dates.YearArchiveView):
    template_name = "blog/archive_year.html"


class MonthArchiveView(ArchiveMixin, dates.MonthArchiveView):
    template_name = "blog/archive_month.html"
    month_format = "%m"


class ArchiveIndexView(ReadingPageCaching, ListView):
    """Every month with published articles, and how many."""

    template_name = "blog/archive_index.html"
    context_object_name = "months"

    def get_queryset(self):
        return Article.objects.published().month_counts()


def robots_txt(request):
    sitemap_url = absolute_url(reverse("sitemap"), request)
    return render(request, "robots.txt", {"sitemap_url": sitemap_url}, content_type="text/plain")
