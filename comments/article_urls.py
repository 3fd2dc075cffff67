"""Addresses under an article's permalink that belong to its discussion.

Included at the site's root before blog.urls: blog never imports comments, so the comment
feed at `<article permalink>feed/` is routed from here.
"""

from django.urls import re_path

from blog.urls import ARTICLE_PERMALINK

from . import feeds

app_name = "article_comments"

urlpatterns = [
    re_path(ARTICLE_PERMALINK + "feed/$", feeds.article_feed, name="feed"),
]
