from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from blog.models import ContentVersion

from ..discussion import (
    discussion_page,
    leave_a_reply,
    motive_named,
    newest_on_motive,
    section_comment_counts,
)
from ..moderators import is_moderator
from ..rendering import avatar_colour, comment_html, initials
from ..services import decisions_for

register = template.Library()


@register.inclusion_tag("comments/discussion.html", takes_context=True)
def discussion(context, article):
    """The article's comments and the Leave a Reply block under them."""
    request = context["request"]
    user = request.user
    respond = leave_a_reply(article, user)
    motive = motive_named(request.GET.get("motive"))
    page = discussion_page(
        article,
        user,
        ContentVersion.for_request(request).number,
        request.GET.get("cpage", 1),
        open_for_replies=respond["accepts_comments"],
        motive=motive,
        viewer_may_write=respond["form"] is not None,
    )
    return {
        "request": request,
        "site_name": settings.SITE_NAME,
        "user": user,
        "article": article,
        "discussion": page,
        "is_moderator": is_moderator(user),
        **respond,
        "post_url": reverse("comments:post", kwargs={"article_pk": article.pk}),
        "next_url": article.get_absolute_url() + "#respond",
        # Pagination links keep the motive filter: "?motive=<slug>&cpage=" or "?cpage=".
        "page_query": "?" + (urlencode({"motive": motive.slug}) + "&" if motive else "") + "cpage=",
    }


@register.simple_tag
def comment_counts(article):
    """{section id: approved comments discussing it} for the article's contents list and
    sections, in one aggregate query. Used in blog/article_body.html, which is rendered
    once per content version: a comment's change bumps the version, so counts stay true."""
    return section_comment_counts(article)


@register.filter
def count_of(counts, section):
    """The number of comments on `section` in comment_counts' answer."""
    return counts.get(section.pk, 0)


@register.inclusion_tag("comments/motive_comments.html")
def motive_comments(motive):
    """The newest approved comments on `motive`, across published articles, each linked
    to its place in its article's discussion: for the motive's page."""
    return {"motive": motive, "entries": newest_on_motive(motive)}


@register.inclusion_tag("comments/login_choices.html", takes_context=True)
def login_choices(context, next_url):
    request = context["request"]
    return {
        "next_url": next_url,
        "providers": login_providers(request),
        "request": request,
        "site_name": settings.SITE_NAME,
    }


def login_providers(request):
    """Social providers with credentials (settings or admin): never an icon that leads nowhere."""
    return get_social_adapter(request).list_providers(request)


register.filter("comment_html", comment_html)
register.filter("initials", initials)
register.filter("avatar_colour", avatar_colour)
register.filter("moderator_decisions", decisions_for)
