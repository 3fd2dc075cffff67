from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.encoding import escape_uri_path
from django.utils.http import urlencode
from django.views.generic import DetailView, ListView, dates

from .caching import ReadingPageCaching
from .cards import cards_of
from .links import absolute_url
from .models import Article, ContentVersion, Motive, Section, Topic
from .search import SearchResults, attach_matches, clean_query, search_articles

# A new content version makes a copy unreachable; this only bounds its stay in memory.
ARTICLE_CACHE_SECONDS = 24 * 60 * 60


def can_preview(user):
    return user.is_active and user.is_staff and user.has_perm("blog.view_article")


class ListingCards:
    """A listing's page of articles as their cards (blog/cards.py), in `cards`."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cards"] = cards_of(context["articles"], self.request)
        return context


class ArticleListView(ReadingPageCaching, ListingCards, ListView):
    """Published articles as cards, newest first, paginated."""

    paginate_by = settings.ARTICLES_PER_PAGE
    context_object_name = "articles"

    def get_queryset(self):
        return Article.objects.published()


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
        # What the page needs around the article's cached parts (article_parts()).
        articles = Article.objects.select_related("author", "featured_image")
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
        context = super().get_context_data(**kwargs)
        context["is_preview"] = not self.object.is_published()
        context.update(self.article_parts(context["is_preview"]))
        return context

    def article_parts(self, is_preview):
        """The article's own HTML, in the page and in its head (meta tags, JSON-LD): the
        same for every reader, so rendered once and cached under the content version, which
        any change to the site bumps (blog.models.ContentVersion). Previews are never cached.
        """
        request = self.request
        if is_preview:
            return self.render_article_parts(is_preview)
        version = ContentVersion.for_request(request).number
        # Absolute links in the head name the request's host when SITE_DOMAIN is not set.
        key = f"article:{version}:{self.object.pk}:{request.scheme}:{request.get_host()}"
        parts = cache.get(key)
        if parts is None:
            parts = self.render_article_parts(is_preview)
            cache.set(key, parts, ARTICLE_CACHE_SECONDS)
        return parts

    def render_article_parts(self, is_preview):
        article = Article.objects.for_reading().get(pk=self.object.pk)
        context = {"article": article, "is_preview": is_preview}
        if not is_preview:
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
        return {
            name: render_to_string(f"blog/{name}.html", context, self.request)
            for name in ("article_social", "article_body")
        }


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


class ArchiveMixin(ReadingPageCaching, ListingCards):
    date_field = "published_at"
    make_object_list = True
    allow_empty = False
    paginate_by = settings.ARTICLES_PER_PAGE
    context_object_name = "articles"

    def get_queryset(self):
        return Article.objects.published()


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
