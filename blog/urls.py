from django.urls import path, re_path

from . import feeds, views

app_name = "blog"

# An article's permalink, /<yyyy>/<mm>/<dd>/<slug>/ (DESIGN.md's public contract), without
# its closing `$`: the comments app routes the article's comment feed under it.
ARTICLE_PERMALINK = r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<day>[0-9]{2})/(?P<slug>[-\w]+)/"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    re_path(ARTICLE_PERMALINK + "$", views.ArticleView.as_view(), name="article"),
    re_path(r"^(?P<year>[0-9]{4})/$", views.YearArchiveView.as_view(), name="archive_year"),
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/$",
        views.MonthArchiveView.as_view(),
        name="archive_month",
    ),
    path("archive/", views.ArchiveIndexView.as_view(), name="archive"),
    path("preview/<int:pk>/", views.ArticlePreviewView.as_view(), name="article_preview"),
    path("motives/", views.MotiveIndexView.as_view(), name="motive_index"),
    path("motives/<slug:slug>/", views.MotiveView.as_view(), name="motive"),
    path("motives/<slug:slug>/feed/", feeds.motive_feed, name="motive_feed"),
    path("tag/<slug:slug>/", views.TopicView.as_view(), name="topic"),
    path("tag/<slug:slug>/feed/", feeds.topic_feed, name="topic_feed"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feed/", feeds.site_feed, name="feed"),
    path("feed/atom/", feeds.site_atom_feed, name="atom_feed"),
]
