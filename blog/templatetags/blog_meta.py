"""Metadata for link previews and search engines: Open Graph image and JSON-LD."""

import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from blog.links import absolute_url

register = template.Library()

# json_script's escapes: the JSON can never close its <script> element.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def social_image(context, article):
    """The picture a link preview shows: url (absolute), width, height and alt text.

    The 1200×630 social crop made at upload, or the original where there is none.
    """
    image = article.featured_image
    if image is None:
        return None
    card = image.social_card or image
    request = context["request"]
    return {
        "url": absolute_url(card.file.url, request),
        "width": card.width,
        "height": card.height,
        "alt": image.alt_text,
    }


@register.simple_tag(takes_context=True)
def article_json_ld(context, article):
    """A schema.org BlogPosting for the article, as an application/ld+json block."""
    request = context["request"]
    url = absolute_url(article.get_absolute_url(), request)
    author = article.author
    data = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": article.title,
        "description": article.excerpt,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": article.published_at,
        "dateModified": article.modified_at(),
        "author": {"@type": "Person", "name": author.get_full_name() or author.get_username()},
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
        "keywords": [motive.name for motive in article.motives()]
        + [topic.name for topic in article.topics.all()],
        "commentCount": article.comment_count,
    }
    image = social_image(context, article)
    if image:
        data["image"] = {
            "@type": "ImageObject",
            "url": image["url"],
            "width": image["width"],
            "height": image["height"],
        }
    payload = json.dumps(data, cls=DjangoJSONEncoder).translate(JSON_SCRIPT_ESCAPES)
    # A data block, never run: HTML hands it to no script engine, so Content-Security-Policy
    # does not apply to it and it needs no nonce (which would tie a cached page to one).
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))
