"""WordPress exports (WXR 1.2) built by the tests, written the way WordPress writes them:
text in CDATA sections (a `]]>` inside split across two of them), every category and tag
listed twice (as wp:category or wp:tag, and again as wp:term), drafts with zero dates.

`export_xml(authors=[...], categories=[...], tags=[...], posts=[...])` returns the
document; `write_export(folder, ...)` writes it to a file; `large_export(...)` makes a big
one with threads, every comment state, pingbacks and replies to missing parents.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

SITE = "https://liaison-test.wordpress.com"
ZERO_DATE = "0000-00-00 00:00:00"


def cdata(text):
    """Text in CDATA, split where it holds "]]>" (as WordPress's wxr_cdata() does)."""
    return "<![CDATA[" + str(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass
class Author:
    wp_id: int
    login: str
    email: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""


@dataclass
class Term:
    wp_id: int
    slug: str
    name: str
    description: str = ""


@dataclass
class ExportedComment:
    wp_id: int
    content: str = "A comment."
    parent: int = 0
    author: str = "A Reader"
    email: str = "reader@example.org"
    url: str = ""
    ip: str = "192.0.2.10"
    date_gmt: str = "2020-06-18 09:00:00"
    # The site's local time; the GMT date when not given.
    date: str | None = None
    approved: str = "1"
    comment_type: str = ""
    user_id: int = 0
    meta: dict = field(default_factory=dict)


@dataclass
class Post:
    wp_id: int
    title: str = "A post"
    slug: str = "a-post"
    content: str = "<!-- wp:paragraph -->\n<p>The text.</p>\n<!-- /wp:paragraph -->"
    excerpt: str = ""
    status: str = "publish"
    post_type: str = "post"
    date_gmt: str = "2020-06-17 10:00:00"
    date: str | None = None
    modified_gmt: str | None = None
    creator: str = "editor"
    # (domain, nicename, name): ("category", "news", "News") or ("post_tag", "korea", "Korea").
    categories: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    comments: list = field(default_factory=list)
    comment_status: str = "open"
    password: str = ""
    attachment_url: str = ""
    parent: int = 0


def attachment(wp_id, path, title="A photo", alt="", caption="", attached_file=True):
    """An attachment item for the upload at `path` (relative to wp-content/uploads/)."""
    meta = {}
    if attached_file:
        meta["_wp_attached_file"] = path
    if alt:
        meta["_wp_attachment_image_alt"] = alt
    return Post(
        wp_id=wp_id,
        title=title,
        slug=Path(path).stem,
        content="",
        excerpt=caption,
        status="inherit",
        post_type="attachment",
        attachment_url=f"{SITE}/wp-content/uploads/{path}",
        meta=meta,
    )


def export_xml(
    *,
    authors=(),
    categories=(),
    tags=(),
    posts=(),
    site=SITE,
    terms_twice=True,
):
    channel = [
        f"<title>{escape('Liaison on WordPress')}</title>",
        f"<link>{site}</link>",
        "<description>Analysis, one motive at a time</description>",
        "<pubDate>Mon, 01 Jan 2024 00:00:00 +0000</pubDate>",
        "<language>en</language>",
        "<wp:wxr_version>1.2</wp:wxr_version>",
        f"<wp:base_site_url>{site}</wp:base_site_url>",
        f"<wp:base_blog_url>{site}</wp:base_blog_url>",
    ]
    channel += [author_xml(author) for author in authors]
    channel += [
        "<wp:category>"
        f"<wp:term_id>{term.wp_id}</wp:term_id>"
        f"<wp:category_nicename>{cdata(term.slug)}</wp:category_nicename>"
        f"<wp:category_parent>{cdata('')}</wp:category_parent>"
        f"<wp:cat_name>{cdata(term.name)}</wp:cat_name>"
        f"<wp:category_description>{cdata(term.description)}</wp:category_description>"
        "</wp:category>"
        for term in categories
    ]
    channel += [
        "<wp:tag>"
        f"<wp:term_id>{term.wp_id}</wp:term_id>"
        f"<wp:tag_slug>{cdata(term.slug)}</wp:tag_slug>"
        f"<wp:tag_name>{cdata(term.name)}</wp:tag_name>"
        "</wp:tag>"
        for term in tags
    ]
    if terms_twice:
        channel += [term_xml(term, "category") for term in categories]
        channel += [term_xml(term, "post_tag") for term in tags]
    channel.append("<generator>https://wordpress.org/?v=6.4.2</generator>")
    channel += [item_xml(post) for post in posts]
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        '<rss version="2.0"\n'
        '\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"\n'
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '\txmlns:wp="http://wordpress.org/export/1.2/"\n'
        ">\n<channel>\n\t" + "\n\t".join(channel) + "\n</channel>\n</rss>\n"
    )


def write_export(folder, name="export.xml", **kwargs):
    path = Path(folder) / name
    path.write_text(export_xml(**kwargs), encoding="utf-8")
    return path


def author_xml(author):
    return (
        "<wp:author>"
        f"<wp:author_id>{author.wp_id}</wp:author_id>"
        f"<wp:author_login>{cdata(author.login)}</wp:author_login>"
        f"<wp:author_email>{cdata(author.email)}</wp:author_email>"
        f"<wp:author_display_name>{cdata(author.display_name)}</wp:author_display_name>"
        f"<wp:author_first_name>{cdata(author.first_name)}</wp:author_first_name>"
        f"<wp:author_last_name>{cdata(author.last_name)}</wp:author_last_name>"
        "</wp:author>"
    )


def term_xml(term, taxonomy):
    return (
        "<wp:term>"
        f"<wp:term_id>{term.wp_id}</wp:term_id>"
        f"<wp:term_taxonomy>{cdata(taxonomy)}</wp:term_taxonomy>"
        f"<wp:term_slug>{cdata(term.slug)}</wp:term_slug>"
        f"<wp:term_parent>{cdata('')}</wp:term_parent>"
        f"<wp:term_name>{cdata(term.name)}</wp:term_name>"
        "</wp:term>"
    )


def item_xml(post):
    date = post.date or post.date_gmt
    modified = post.modified_gmt or post.date_gmt
    parts = [
        f"<title>{cdata(post.title)}</title>",
        f"<link>{SITE}/?p={post.wp_id}</link>",
        "<pubDate>Wed, 17 Jun 2020 10:00:00 +0000</pubDate>",
        f"<dc:creator>{cdata(post.creator)}</dc:creator>",
        f'<guid isPermaLink="false">{SITE}/?p={post.wp_id}</guid>',
        "<description></description>",
        f"<content:encoded>{cdata(post.content)}</content:encoded>",
        f"<excerpt:encoded>{cdata(post.excerpt)}</excerpt:encoded>",
        f"<wp:post_id>{post.wp_id}</wp:post_id>",
        f"<wp:post_date>{cdata(date)}</wp:post_date>",
        f"<wp:post_date_gmt>{cdata(post.date_gmt)}</wp:post_date_gmt>",
        f"<wp:post_modified>{cdata(modified)}</wp:post_modified>",
        f"<wp:post_modified_gmt>{cdata(modified)}</wp:post_modified_gmt>",
        f"<wp:comment_status>{cdata(post.comment_status)}</wp:comment_status>",
        f"<wp:ping_status>{cdata('open')}</wp:ping_status>",
        f"<wp:post_name>{cdata(post.slug)}</wp:post_name>",
        f"<wp:status>{cdata(post.status)}</wp:status>",
        f"<wp:post_parent>{post.parent}</wp:post_parent>",
        "<wp:menu_order>0</wp:menu_order>",
        f"<wp:post_type>{cdata(post.post_type)}</wp:post_type>",
        f"<wp:post_password>{cdata(post.password)}</wp:post_password>",
        "<wp:is_sticky>0</wp:is_sticky>",
    ]
    if post.attachment_url:
        parts.append(f"<wp:attachment_url>{cdata(post.attachment_url)}</wp:attachment_url>")
    parts += [
        f'<category domain="{domain}" nicename="{escape(nicename)}">{cdata(name)}</category>'
        for domain, nicename, name in post.categories
    ]
    parts += [
        "<wp:postmeta>"
        f"<wp:meta_key>{cdata(key)}</wp:meta_key>"
        f"<wp:meta_value>{cdata(value)}</wp:meta_value>"
        "</wp:postmeta>"
        for key, value in post.meta.items()
    ]
    parts += [comment_xml(comment) for comment in post.comments]
    return "<item>\n\t\t" + "\n\t\t".join(parts) + "\n\t</item>"


def comment_xml(comment):
    parts = [
        f"<wp:comment_id>{comment.wp_id}</wp:comment_id>",
        f"<wp:comment_author>{cdata(comment.author)}</wp:comment_author>",
        f"<wp:comment_author_email>{cdata(comment.email)}</wp:comment_author_email>",
        f"<wp:comment_author_url>{escape(comment.url)}</wp:comment_author_url>",
        f"<wp:comment_author_IP>{cdata(comment.ip)}</wp:comment_author_IP>",
        f"<wp:comment_date>{cdata(comment.date or comment.date_gmt)}</wp:comment_date>",
        f"<wp:comment_date_gmt>{cdata(comment.date_gmt)}</wp:comment_date_gmt>",
        f"<wp:comment_content>{cdata(comment.content)}</wp:comment_content>",
        f"<wp:comment_approved>{cdata(comment.approved)}</wp:comment_approved>",
        f"<wp:comment_type>{cdata(comment.comment_type)}</wp:comment_type>",
        f"<wp:comment_parent>{comment.parent}</wp:comment_parent>",
        f"<wp:comment_user_id>{comment.user_id}</wp:comment_user_id>",
    ]
    parts += [
        "<wp:commentmeta>"
        f"<wp:meta_key>{cdata(key)}</wp:meta_key>"
        f"<wp:meta_value>{cdata(value)}</wp:meta_value>"
        "</wp:commentmeta>"
        for key, value in comment.meta.items()
    ]
    return "<wp:comment>\n\t\t\t" + "\n\t\t\t".join(parts) + "\n\t\t</wp:comment>"


# A large export, for timing an import and for the test that imports a big one


@dataclass
class LargeExportShape:
    """What large_export() puts in, so that a test can check what came out."""

    posts: int
    comments: int = 0
    approved: int = 0
    pending: int = 0
    spam: int = 0
    trash: int = 0
    pingbacks: int = 0
    orphans: int = 0


def large_export(posts=20, threads_per_post=10, replies_per_thread=3, site=SITE):
    """(WXR text, LargeExportShape): `posts` published posts, each with `threads_per_post`
    threads of a comment and `replies_per_thread` replies nested one under the other, then
    a pingback and a reply whose parent (spam) was left out of the export.

    Counting threads across the export, every fifth thread's replies are pending, every
    seventh's spam and every eleventh's in the trash; everything else is approved. With the
    defaults: 20 posts, 820 comments.
    """
    shape = LargeExportShape(posts=posts)
    authors = [Author(1, "editor", "editor@example.org", "Ada Editor")]
    categories = [Term(2, "analysis", "Analysis"), Term(3, "korea", "Korea")]
    tags = [Term(10 + n, f"tag-{n}", f"Tag {n}") for n in range(10)]
    items = []
    start = datetime(2018, 1, 1, 8, 0, tzinfo=UTC)
    comment_id = 1
    thread_number = 0
    for index in range(posts):
        published = start + timedelta(days=7 * index)
        post = Post(
            wp_id=1000 + index,
            title=f"Analysis number {index + 1}",
            slug=f"analysis-number-{index + 1}",
            content=(
                "<!-- wp:paragraph -->\n<p>Why Pyongyang acted, and why <em>now</em>.</p>\n"
                "<!-- /wp:paragraph -->\n<!-- wp:heading -->\n<h2>Context</h2>\n"
                "<!-- /wp:heading -->\n<!-- wp:paragraph -->\n<p>Leaflets, succession, "
                'sanctions. <a href="https://example.org/source">A source</a>.</p>\n'
                "<!-- /wp:paragraph -->"
            ),
            excerpt=f"The short version of analysis {index + 1}.",
            date_gmt=f"{published:%Y-%m-%d %H:%M:%S}",
            categories=[("category", "analysis", "Analysis"), ("post_tag", "tag-1", "Tag 1")],
        )
        moment = published
        for thread in range(threads_per_post):
            thread_number += 1
            state = "1"
            if thread_number % 5 == 0:
                state = "0"
            elif thread_number % 7 == 0:
                state = "spam"
            elif thread_number % 11 == 0:
                state = "trash"
            parent = 0
            for depth in range(replies_per_thread + 1):
                moment += timedelta(minutes=13)
                post.comments.append(
                    ExportedComment(
                        wp_id=comment_id,
                        content=f"Comment {comment_id} on thread {thread}.\n\nA second paragraph.",
                        parent=parent,
                        author=f"Reader {comment_id % 37}",
                        email=f"reader{comment_id % 37}@example.org",
                        date_gmt=f"{moment:%Y-%m-%d %H:%M:%S}",
                        # The top comment is approved; the replies carry the thread's state.
                        approved=state if depth else "1",
                    )
                )
                counter = state if depth else "1"
                shape.comments += 1
                shape.approved += counter == "1"
                shape.pending += counter == "0"
                shape.spam += counter == "spam"
                shape.trash += counter == "trash"
                parent = comment_id
                comment_id += 1
        moment += timedelta(minutes=13)
        post.comments.append(
            ExportedComment(
                wp_id=comment_id,
                content="Pingback: another blog",
                comment_type="pingback",
                date_gmt=f"{moment:%Y-%m-%d %H:%M:%S}",
            )
        )
        shape.pingbacks += 1
        comment_id += 1
        post.comments.append(
            ExportedComment(
                wp_id=comment_id,
                content="A reply to spam that WordPress did not export.",
                parent=999_999,
                date_gmt=f"{moment:%Y-%m-%d %H:%M:%S}",
            )
        )
        shape.comments += 1
        shape.approved += 1
        shape.orphans += 1
        comment_id += 1
        items.append(post)
    xml = export_xml(authors=authors, categories=categories, tags=tags, posts=items, site=site)
    return xml, shape
