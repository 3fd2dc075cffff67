"""Addresses under an article's permalink that belong to its discussion.

Included at the site's root before blog.urls: blog never imports comments, so the comment
feed at `<article permalink>feed/` is routed from here.
"""

from django.urls import re_path

from . import feeds

app_name = "article_comments"

urlpatterns = [
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<day>[0-9]{2})/(?P<slug>[-\w]+)/feed/$",
        feeds.article_feed,
        name="feed",
    ),
]
