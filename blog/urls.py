from django.urls import path, re_path

from . import views

app_name = "blog"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<day>[0-9]{2})/(?P<slug>[-\w]+)/$",
        views.ArticleView.as_view(),
        name="article",
    ),
    path("preview/<int:pk>/", views.ArticlePreviewView.as_view(), name="article_preview"),
    path("motives/", views.MotiveIndexView.as_view(), name="motive_index"),
    path("motives/<slug:slug>/", views.MotiveView.as_view(), name="motive"),
    path("tag/<slug:slug>/", views.TopicView.as_view(), name="topic"),
]
