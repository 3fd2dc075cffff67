from django.urls import path

from . import feeds, views

app_name = "comments"

urlpatterns = [
    path("post/<int:article_pk>/", views.post_comment, name="post"),
    path("<int:pk>/", views.comment_permalink, name="permalink"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("section/<int:section_pk>/", views.discuss_section, name="discuss_section"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/report/", views.report, name="report"),
    path("<int:pk>/moderate/", views.moderate, name="moderate"),
    path("mute/<str:token>/", views.mute, name="mute"),
    path("feed/", feeds.site_feed, name="feed"),
]
