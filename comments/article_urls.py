"""Addresses under blog's own addresses that belong to the discussion.

Included at the site's root before blog.urls: blog never imports comments, so the comment
feeds at `<article permalink>feed/` and `/motives/<slug>/comments/feed/` are routed from here.
"""

from django.urls import path, re_path

from blog.urls import ARTICLE_PERMALINK

from . import feeds

app_name = "article_comments"

urlpatterns = [
    re_path(ARTICLE_PERMALINK + "feed/$", feeds.article_feed, name="feed"),
    path("motives/<slug:slug>/comments/feed/", feeds.motive_feed, name="motive_feed"),
]
