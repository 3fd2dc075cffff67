"""Markdown to sanitized HTML, done once when a section is saved, never per request."""

import markdown
import nh3
from django.utils.html import strip_tags

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "cite",
    "code",
    "del",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"align"},
    "th": {"align"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# Section headings are h2 in the article outline, so Markdown headings start one level down.
MARKDOWN_EXTENSIONS = ["extra", "sane_lists", "smarty"]


def render_markdown(text):
    """Return sanitized HTML for Markdown `text` written by an editor."""
    html = markdown.markdown(
        text,
        extensions=MARKDOWN_EXTENSIONS,
        extension_configs={"smarty": {"smart_angled_quotes": False}},
        output_format="html",
    )
    # Markdown passes raw HTML through: nh3 keeps only the tags above, drops
    # scripts and event handlers, and marks links as not vouched for.
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener nofollow",
    )


def count_words(html):
    return len(strip_tags(html).split())
