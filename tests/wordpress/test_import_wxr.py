"""`manage.py import_wxr`: a WordPress export brought in whole, twice without change, or not at
all. Every export here is built by the test (tests/wordpress/wxr.py) and written to tmp_path."""

import io
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image as PillowImage

from blog.models import Article, Image, Rendition, Section, Topic
from comments import services
from comments.models import Comment
from tests.blog.factories import ArticleFactory, SectionFactory, UserFactory
from tests.comments.factories import CommentFactory
from tests.planner_statistics import last_analyze, only_on_postgresql
from wordpress.content import comment_text, post_sections
from wordpress.importer import KINDS
from wordpress.models import WordPressLink
from wordpress.wxr import decode_slug

from . import wxr

pytestmark = pytest.mark.django_db

EDITOR = wxr.Author(1, "editor", "editor@example.org", "Ada Lovelace")


def run_import(path, *options, stdout=None):
    stdout = stdout or io.StringIO()
    call_command("import_wxr", str(path), *options, stdout=stdout)
    return stdout.getvalue()


def summary(output):
    """{kind: (created, matched, skipped, warnings)} from the table the command prints."""
    rows = {}
    for line in output.splitlines():
        words = line.split()
        if len(words) == 5 and words[0] in KINDS and all(word.isdigit() for word in words[1:]):
            rows[words[0]] = tuple(int(word) for word in words[1:])
    return rows


def png(path, size=(64, 48), colour="teal"):
    path.parent.mkdir(parents=True, exist_ok=True)
    PillowImage.new("RGB", size, colour).save(path, "PNG")
    return path


@pytest.fixture
def uploads(tmp_path):
    """A copy of wp-content/uploads, as the editor would pass it with --media-dir."""
    folder = tmp_path / "uploads"
    folder.mkdir()
    return folder


def import_posts(tmp_path, *posts, options=(), **export):
    export.setdefault("authors", [EDITOR])
    path = wxr.write_export(tmp_path, posts=list(posts), **export)
    return run_import(path, *options)


def stored_files(folder):
    return [path for path in folder.rglob("*") if path.is_file()]


def comments_by_wp_id():
    links = WordPressLink.objects.filter(kind=WordPressLink.Kind.COMMENT)
    by_pk = Comment.objects.in_bulk([link.object_id for link in links])
    return {link.wp_id: by_pk[link.object_id] for link in links}


def database_state():
    """Everything an import writes, to compare before and after."""
    return {
        "users": list(get_user_model().objects.order_by("pk").values_list("pk", "username")),
        "topics": list(Topic.objects.order_by("pk").values_list("pk", "slug")),
        "articles": list(
            Article.objects.order_by("pk").values_list(
                "pk", "slug", "published_at", "updated_at", "comment_count", "featured_image"
            )
        ),
        "sections": list(Section.objects.order_by("pk").values_list("pk", "body_html")),
        "images": list(Image.objects.order_by("pk").values_list("pk", "file")),
        "renditions": Rendition.objects.count(),
        "comments": list(
            Comment.objects.order_by("pk").values_list(
                "pk", "thread_id", "parent_id", "level", "order", "nested_count", "is_public"
            )
        ),
        "links": list(WordPressLink.objects.order_by("pk").values_list("pk", "kind", "wp_id")),
    }


# Authors --------------------------------------------------------------------------------


def test_authors_become_accounts_nobody_can_log_into(tmp_path):
    authors = [
        EDITOR,
        wxr.Author(2, "kim", "kim@example.org", "kim", first_name="Kim", last_name="Min-jun"),
        wxr.Author(3, "plato", "plato@example.org", "Plato"),
    ]
    output = import_posts(tmp_path, wxr.Post(10, creator="kim"), authors=authors)

    users = {user.username: user for user in get_user_model().objects.all()}
    assert set(users) == {"editor", "kim", "plato"}
    assert not any(user.has_usable_password() for user in users.values())
    assert (users["editor"].first_name, users["editor"].last_name) == ("Ada", "Lovelace")
    assert users["editor"].email == "editor@example.org"
    assert (users["kim"].first_name, users["kim"].last_name) == ("Kim", "Min-jun")
    assert (users["plato"].first_name, users["plato"].last_name) == ("Plato", "")
    assert Article.objects.get().author == users["kim"]
    assert summary(output)["authors"] == (3, 0, 0, 0)


def test_an_author_with_an_email_known_here_is_matched_and_a_taken_username_is_not_reused(
    tmp_path,
):
    known = UserFactory(username="someone", email="Editor@Example.org")
    stranger = UserFactory(username="kim", email="other.kim@example.org")
    authors = [EDITOR, wxr.Author(2, "kim", "kim@example.org", "Kim Min-jun")]

    output = import_posts(tmp_path, wxr.Post(10, creator="kim"), authors=authors)

    assert "Author editor matched the existing account someone (same email)." in output
    kim = get_user_model().objects.get(email="kim@example.org")
    assert kim.username == "kim-2"
    assert kim != stranger
    assert stranger.has_usable_password()
    assert known.has_usable_password()
    assert "the author's account is kim-2" in output
    assert summary(output)["authors"] == (1, 1, 0, 1)


def test_a_post_by_someone_missing_from_the_authors_gets_an_account_once(tmp_path):
    path = wxr.write_export(tmp_path, authors=[EDITOR], posts=[wxr.Post(10, creator="guest")])

    first = run_import(path)
    second = run_import(path)

    guest = get_user_model().objects.get(username="guest")
    assert Article.objects.get().author == guest
    assert not guest.has_usable_password()
    assert "is by guest, who is not in the export's authors" in first
    assert summary(first)["authors"] == (2, 0, 0, 1)
    # The post is matched, so nothing asks for its author's account again.
    assert summary(second)["authors"] == (0, 1, 0, 0)


# Topics ---------------------------------------------------------------------------------


def test_categories_and_tags_listed_twice_become_one_topic_each(tmp_path):
    post = wxr.Post(
        10,
        categories=[
            ("category", "analysis", "Analysis"),
            ("category", "uncategorized", "Uncategorized"),
            ("post_tag", "korea", "Korea"),
            ("post_tag", "%ed%95%9c%ea%b5%ad", "한국"),
            ("post_tag", "kaesong", "Kaesong"),
        ],
    )
    output = import_posts(
        tmp_path,
        post,
        categories=[
            wxr.Term(1, "uncategorized", "Uncategorized"),
            wxr.Term(2, "analysis", "Analysis"),
            wxr.Term(3, "news-views", "News &amp; Views"),
        ],
        tags=[wxr.Term(5, "korea", "Korea"), wxr.Term(6, "%ed%95%9c%ea%b5%ad", "한국")],
    )

    topics = dict(Topic.objects.values_list("slug", "name"))
    # Kaesong is named by the post only; Uncategorized says nothing and is left out.
    assert topics == {
        "analysis": "Analysis",
        "news-views": "News & Views",
        "korea": "Korea",
        "topic-6": "한국",
        "kaesong": "Kaesong",
    }
    article = Article.objects.get()
    assert {topic.slug for topic in article.topics.all()} == {
        "analysis",
        "korea",
        "topic-6",
        "kaesong",
    }
    assert summary(output)["topics"] == (5, 0, 1, 0)
    assert "Skipped 1 category or tag: WordPress's default category, Uncategorized." in output


def test_a_tag_named_like_an_existing_topic_joins_it(tmp_path):
    existing = Topic.objects.create(name="Korea", slug="korea-peninsula")

    output = import_posts(
        tmp_path,
        wxr.Post(10, categories=[("post_tag", "korea", "Korea")]),
        tags=[wxr.Term(5, "korea", "Korea")],
    )

    assert list(Topic.objects.all()) == [existing]
    assert list(Article.objects.get().topics.all()) == [existing]
    assert summary(output)["topics"] == (0, 1, 0, 0)


# Posts ----------------------------------------------------------------------------------


def test_post_states_become_published_scheduled_and_draft_and_the_trash_is_skipped(tmp_path):
    future = (timezone.now() + timedelta(days=30)).astimezone(UTC)
    posts = [
        wxr.Post(10, slug="published", status="publish", date_gmt="2020-06-17 10:00:00"),
        wxr.Post(11, slug="scheduled", status="future", date_gmt=f"{future:%Y-%m-%d %H:%M:%S}"),
        wxr.Post(12, slug="draft", status="draft"),
        wxr.Post(13, slug="pending", status="pending"),
        wxr.Post(14, slug="private", status="private"),
        wxr.Post(15, slug="trashed", status="trash"),
        wxr.Post(16, slug="about", post_type="page"),
    ]
    output = import_posts(tmp_path, *posts)

    articles = {article.slug: article for article in Article.objects.all()}
    assert set(articles) == {"published", "scheduled", "draft", "pending", "private"}
    assert articles["published"].published_at == datetime(2020, 6, 17, 10, 0, tzinfo=UTC)
    assert articles["published"].status == "published"
    assert articles["scheduled"].status == "scheduled"
    assert articles["scheduled"].published_at == future.replace(microsecond=0)
    for slug in ("draft", "pending", "private"):
        assert articles[slug].published_at is None
    assert summary(output)["posts"] == (5, 0, 2, 0)
    assert "Skipped 1 post: in the trash." in output
    assert "Skipped 1 post: not a post (page): Liaison has articles only." in output


def test_a_password_protected_post_stays_unseen_as_a_draft(tmp_path):
    output = import_posts(tmp_path, wxr.Post(10, title="Members only", password="secret"))

    assert Article.objects.get().published_at is None
    assert "“Members only” is password-protected in WordPress: imported as a draft" in output


def test_dates_fall_back_to_the_local_date_in_the_site_time_zone(tmp_path, settings):
    settings.TIME_ZONE = "Asia/Seoul"
    post = wxr.Post(
        10,
        date_gmt=wxr.ZERO_DATE,
        date="2020-06-16 14:49:00",
        comments=[wxr.ExportedComment(1, date_gmt=wxr.ZERO_DATE, date="2020-06-16 20:00:00")],
    )
    import_posts(tmp_path, post)

    assert Article.objects.get().published_at == datetime(2020, 6, 16, 5, 49, tzinfo=UTC)
    assert Comment.objects.get().submit_date == datetime(2020, 6, 16, 11, 0, tzinfo=UTC)


def test_a_draft_with_no_slug_and_zero_dates_gets_a_free_slug_from_its_title(tmp_path):
    ArticleFactory(title="Notes on Kaesong", slug="notes-on-kaesong")
    drafts = [
        wxr.Post(
            wp_id,
            title="Notes on Kaesong",
            slug="",
            status="draft",
            date_gmt=wxr.ZERO_DATE,
            date=wxr.ZERO_DATE,
        )
        for wp_id in (30, 31)
    ]
    untitled = wxr.Post(32, title="", slug="", status="draft", date_gmt=wxr.ZERO_DATE)
    output = import_posts(tmp_path, *drafts, untitled)

    imported = Article.objects.filter(
        pk__in=WordPressLink.objects.filter(kind="post").values("object_id")
    )
    assert sorted(imported.values_list("slug", flat=True)) == [
        "notes-on-kaesong-2",
        "notes-on-kaesong-3",
        "post-32",
    ]
    assert all(article.published_at is None for article in imported)
    assert Article.objects.get(slug="post-32").title == "(no title)"
    assert summary(output)["posts"] == (3, 0, 0, 0)


def encoded_slug(text, cut_at):
    """As WordPress stores a non-ASCII slug: percent-encoded, cut at `cut_at` bytes."""
    return quote(text.encode(), safe="-").lower()[:cut_at]


@pytest.mark.parametrize(
    ("cut_at", "expected"),
    [
        # "북" is %eb%b6%81: 196 bytes end two bytes into it, 199 right after it, 200 in
        # the middle of the escape that follows.
        (196, "-".join(["북한"] * 10)),
        (199, "북한-" * 10 + "북"),
        (200, "북한-" * 10 + "북"),
    ],
    ids=["mid-character", "whole", "mid-escape"],
)
def test_a_non_ascii_slug_is_decoded_even_when_cut_short(tmp_path, cut_at, expected):
    slug = encoded_slug("북한-" * 12, cut_at)
    assert len(slug) == cut_at
    import_posts(tmp_path, wxr.Post(10, title="북한", slug=slug))

    assert Article.objects.get().slug == expected


def test_an_article_with_a_non_ascii_slug_answers_at_its_permalink(tmp_path, client):
    import_posts(tmp_path, wxr.Post(10, title="북한", slug=encoded_slug("북한-연락사무소", 200)))
    article = Article.objects.get()
    assert article.slug == "북한-연락사무소"

    assert client.get(article.get_absolute_url()).status_code == 200


def test_decode_slug_drops_what_the_cut_left_unfinished():
    assert decode_slug("caf%c3%a9") == "café"
    assert decode_slug("caf%c3") == "caf"
    assert decode_slug("caf%c") == "caf"
    assert decode_slug("caf%") == "caf"
    assert decode_slug("plain-slug") == "plain-slug"


def test_an_article_with_the_same_permalink_is_matched_not_duplicated(tmp_path):
    existing = ArticleFactory(
        title="North Korea blows up the liaison office (seed)",
        slug="north-korea-blows-up-the-liaison-office",
    )
    post = wxr.Post(
        10,
        title="North Korea blows up the liaison office",
        slug="north-korea-blows-up-the-liaison-office",
        comments=[wxr.ExportedComment(1), wxr.ExportedComment(2, parent=1)],
    )
    path = wxr.write_export(tmp_path, authors=[EDITOR], posts=[post])

    first = run_import(path)
    second = run_import(path)

    assert list(Article.objects.all()) == [existing]
    existing.refresh_from_db()
    assert existing.title == "North Korea blows up the liaison office (seed)"
    assert "has the permalink of the existing article" in first
    assert "matched, not duplicated" in first
    assert Comment.objects.for_article(existing).count() == 2
    assert existing.comment_count == 2
    assert summary(first)["posts"] == (0, 1, 0, 0)
    assert summary(second)["posts"] == (0, 1, 0, 0)
    assert summary(second)["comments"] == (0, 2, 0, 0)
    assert "has the permalink" not in second


def test_title_excerpt_and_comment_status_come_along(tmp_path):
    post = wxr.Post(
        10,
        title="Q&amp;A: why ]]> now?",
        excerpt="<p>Why Pyongyang acted <em>now</em>.</p>",
        comment_status="closed",
        modified_gmt="2020-06-20 08:00:00",
    )
    import_posts(tmp_path, post)

    article = Article.objects.get()
    assert article.title == "Q&A: why ]]> now?"
    assert article.excerpt == "Why Pyongyang acted now."
    assert article.allow_comments is False
    assert article.updated_at == datetime(2020, 6, 20, 8, 0, tzinfo=UTC)


# Content --------------------------------------------------------------------------------

BLOCK_CONTENT = "\n".join(
    [
        "<!-- wp:paragraph -->",
        "<p>On 16 June Pyongyang <strong>blew up</strong> the "
        '<a href="https://example.org/office">liaison office</a>.</p>',
        "<!-- /wp:paragraph -->",
        "",
        "<!-- wp:heading -->",
        '<h2 class="wp-block-heading">Leaflets</h2>',
        "<!-- /wp:heading -->",
        "",
        "<!-- wp:paragraph -->",
        "<p>Defectors sent balloons north.</p>",
        "<!-- /wp:paragraph -->",
        "",
        '<!-- wp:heading {"level":3} -->',
        '<h3 class="wp-block-heading">Who sent them</h3>',
        "<!-- /wp:heading -->",
        "",
        "<!-- wp:list -->",
        "<ul><li>Fighters for a Free North Korea</li><li>Others</li></ul>",
        "<!-- /wp:list -->",
        "",
        "<!-- wp:heading -->",
        '<h2 class="wp-block-heading">The statement</h2>',
        "<!-- /wp:heading -->",
        "",
        "<!-- wp:quote -->",
        '<blockquote class="wp-block-quote"><p>Rubbish should be thrown into the wastebasket.'
        "</p><cite>Kim Yo-jong</cite></blockquote>",
        "<!-- /wp:quote -->",
        "",
        '<!-- wp:image {"id":50} -->',
        '<figure class="wp-block-image"><img src="https://liaison-test.files.wordpress.com/'
        '2020/06/map.png" alt="A map"/><figcaption>The office</figcaption></figure>',
        "<!-- /wp:image -->",
    ]
)


def test_block_editor_content_becomes_sections_split_at_headings(tmp_path):
    output = import_posts(tmp_path, wxr.Post(10, title="Kaesong", content=BLOCK_CONTENT))

    sections = list(Article.objects.get().sections.all())
    assert [(s.position, s.kind, s.heading) for s in sections] == [
        (1, Section.Kind.LEAD, ""),
        (2, Section.Kind.CONTEXT, "Leaflets"),
        (3, Section.Kind.CONTEXT, "The statement"),
    ]
    assert sections[0].body_html == (
        "<p>On 16 June Pyongyang <strong>blew up</strong> the "
        '<a href="https://example.org/office" rel="noopener nofollow">liaison office</a>.</p>'
    )
    assert "<h3>Who sent them</h3>" in sections[1].body_html
    assert "<li>Fighters for a Free North Korea</li>" in sections[1].body_html
    assert "<blockquote>" in sections[2].body_html
    assert "wp:" not in "".join(section.body for section in sections)
    assert "<img" not in sections[2].body_html
    assert "The office" not in sections[2].body_html
    assert not any(section.motives.exists() for section in sections)
    assert "“Kaesong”: 1 image, embed or gallery in the text left out" in output


CLASSIC_CONTENT = """The office stood in Kaesong.
It opened in 2018.

It was blown up on <em>16 June 2020</em>.
<h2>Why</h2>
Leaflets, for one.

https://www.youtube.com/watch?v=abc_def
"""


def test_classic_text_becomes_paragraphs_at_blank_lines_and_breaks_at_newlines(tmp_path):
    import_posts(tmp_path, wxr.Post(10, content=CLASSIC_CONTENT))

    lead, why = Article.objects.get().sections.all()
    assert lead.kind == Section.Kind.LEAD
    assert lead.body_html == (
        "<p>The office stood in Kaesong.<br>\nIt opened in 2018.</p>\n"
        "<p>It was blown up on <em>16 June 2020</em>.</p>"
    )
    assert why.heading == "Why"
    assert why.body_html == (
        "<p>Leaflets, for one.</p>\n"
        '<p><a href="https://www.youtube.com/watch?v=abc_def" rel="noopener nofollow">'
        "https://www.youtube.com/watch?v=abc_def</a></p>"
    )


def test_imported_html_is_sanitized(tmp_path):
    content = (
        '<p onclick="steal()">Read <a href="javascript:alert(1)">this</a> and '
        '<a href="https://example.org/" onmouseover="x()">that</a>.</p>'
        "<script>alert('script')</script>"
        '<iframe src="https://evil.example/frame"></iframe>'
        "<style>body { display: none }</style>"
        '<p style="color:red">&lt;script&gt;alert(2)&lt;/script&gt; stays text.</p>'
        "<h2>Below <img src=x onerror=alert(3)></h2><p>Markdown *stays* literal.</p>"
    )
    import_posts(tmp_path, wxr.Post(10, content=content))

    html = "".join(section.body_html for section in Article.objects.get().sections.all())
    for unsafe in ("<script", "<iframe", "<style", "onclick", "onmouseover", "onerror"):
        assert unsafe not in html
    assert "javascript:" not in html
    assert "alert('script')" not in html
    assert "Read this and" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt; stays text." in html
    assert "Markdown *stays* literal." in html


def test_content_with_a_cdata_end_inside_comes_through_whole(tmp_path):
    content = "<p>In code, a[b[0]]>c is a comparison.</p>"
    path = wxr.write_export(
        tmp_path,
        authors=[EDITOR],
        posts=[wxr.Post(10, content=content, comments=[wxr.ExportedComment(1, content="x]]>y")])],
    )
    assert "]]]]><![CDATA[>" in path.read_text()

    run_import(path)

    assert "a[b[0]]&gt;c is a comparison" in Section.objects.get().body_html
    assert Comment.objects.get().comment == "x]]>y"


def test_block_content_conversion_keeps_lists_quotes_code_and_tables():
    text = post_sections(
        "<!-- wp:list --><ol><li>One<ul><li>nested</li></ul></li><li>Two</li></ol>"
        '<!-- /wp:list --><!-- wp:code --><pre class="wp-block-code"><code>if a &lt; b:\n'
        "    go()</code></pre><!-- /wp:code --><!-- wp:table --><figure><table><tbody>"
        "<tr><td>year</td><td>event</td></tr><tr><td>2018</td><td>opened | staffed</td></tr>"
        "</tbody></table></figure><!-- /wp:table --><p>1986. A year; # not a heading</p>"
    )

    (section,) = text.sections
    assert section.body == (
        "1. One\n    - nested\n2. Two\n\n"
        "    if a < b:\n        go()\n\n"
        "| year | event |\n| --- | --- |\n| 2018 | opened \\| staffed |\n\n"
        "1986\\. A year; # not a heading"
    )


def test_comment_html_becomes_plain_text_with_links_spelled_out():
    assert comment_text(
        'I <a href="https://example.org/">agree</a> &amp; <b>strongly</b>.<br>'
        "Second line.\n\n<blockquote>Quoted\nwords</blockquote><script>x()</script>"
    ) == ("I agree (https://example.org/) & strongly.\nSecond line.\n\n> Quoted\n> words")


# Featured images ------------------------------------------------------------------------


def test_a_featured_image_comes_from_the_media_dir_through_the_pipeline(tmp_path, uploads):
    png(uploads / "2020" / "06" / "office.png", size=(900, 500))
    posts = [
        wxr.Post(10, meta={"_thumbnail_id": "50"}),
        wxr.attachment(
            50, "2020/06/office.png", title="office", alt="The liaison office", caption="Kaesong"
        ),
    ]
    output = import_posts(tmp_path, *posts, options=["--media-dir", str(uploads)])

    image = Article.objects.get().featured_image
    assert image is not None
    assert image.alt_text == "The liaison office"
    assert image.caption == "Kaesong"
    assert (image.width, image.height, image.format) == (900, 500, "png")
    assert image.renditions.exists()
    assert image.file.storage.exists(image.file.name)
    assert summary(output)["attachments"] == (1, 0, 0, 0)


def test_the_upload_path_is_read_from_the_url_when_the_attached_file_is_not_given(
    tmp_path, uploads
):
    png(uploads / "2019" / "01" / "map.png")
    posts = [
        wxr.Post(10, meta={"_thumbnail_id": "50"}),
        wxr.Post(11, slug="another", meta={"_thumbnail_id": "50"}),
        wxr.attachment(50, "2019/01/map.png", title="A map of Kaesong", attached_file=False),
        wxr.attachment(51, "2019/01/unused.png"),
    ]
    output = import_posts(tmp_path, *posts, options=["--media-dir", str(uploads)])

    image = Image.objects.get()
    assert image.alt_text == "A map of Kaesong"
    assert {article.featured_image for article in Article.objects.all()} == {image}
    assert summary(output)["attachments"] == (1, 0, 1, 0)


def unreadable_upload(uploads, how):
    """The options that make the featured image at 2020/06/office.png unreadable `how`."""
    if how == "no media dir":
        return []
    if how == "not an image":
        folder = uploads / "2020" / "06"
        folder.mkdir(parents=True)
        (folder / "office.png").write_text("<html>not an image</html>")
    return ["--media-dir", str(uploads)]


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("no media dir", "featured image 2020/06/office.png left out: no --media-dir was given"),
        ("missing file", "featured image 2020/06/office.png is not in"),
        ("not an image", "featured image 2020/06/office.png refused by the image pipeline"),
    ],
)
def test_a_featured_image_that_cannot_be_read_is_left_out_with_a_warning(
    tmp_path, uploads, how, message
):
    options = unreadable_upload(uploads, how)
    posts = [wxr.Post(10, meta={"_thumbnail_id": "50"}), wxr.attachment(50, "2020/06/office.png")]
    output = import_posts(tmp_path, *posts, options=options)

    assert Article.objects.get().featured_image is None
    assert not Image.objects.exists()
    assert message in output
    assert summary(output)["attachments"] == (0, 0, 0, 1)


def test_an_attachment_path_cannot_leave_the_media_dir(tmp_path, uploads):
    png(tmp_path / "secret.png")
    posts = [wxr.Post(10, meta={"_thumbnail_id": "50"}), wxr.attachment(50, "../secret.png")]
    output = import_posts(tmp_path, *posts, options=["--media-dir", str(uploads)])

    assert not Image.objects.exists()
    assert "featured image ../secret.png is not in" in output


# Comments -------------------------------------------------------------------------------


def discussion_post():
    """Threads in every state, a pingback, and replies WordPress placed where we would not."""
    return wxr.Post(
        10,
        title="Kaesong",
        slug="kaesong",
        comments=[
            wxr.ExportedComment(1, "First!", author="Min-jun", email="minjun@example.org"),
            wxr.ExportedComment(2, "A reply.", parent=1, date_gmt="2020-06-18 10:00:00"),
            wxr.ExportedComment(3, "Held.", parent=2, approved="0", date_gmt="2020-06-18 11:00:00"),
            wxr.ExportedComment(4, "Under a held one.", parent=3, date_gmt="2020-06-18 12:00:00"),
            wxr.ExportedComment(5, "Buy now", approved="spam", date_gmt="2020-06-18 13:00:00"),
            wxr.ExportedComment(6, "Answering spam.", parent=5, date_gmt="2020-06-18 14:00:00"),
            wxr.ExportedComment(
                7,
                "Trashed.",
                approved="trash",
                meta={"_wp_trash_meta_status": "1"},
                date_gmt="2020-06-18 15:00:00",
            ),
            wxr.ExportedComment(8, "Under the trash.", parent=7, date_gmt="2020-06-18 16:00:00"),
            wxr.ExportedComment(
                9, "Pingback: elsewhere", comment_type="pingback", date_gmt="2020-06-18 17:00:00"
            ),
            wxr.ExportedComment(10, "Orphan.", parent=404, date_gmt="2020-06-18 18:00:00"),
            wxr.ExportedComment(11, "Bad address.", ip="not-an-ip", date_gmt="2020-06-18 19:00:00"),
        ],
    )


def test_comments_keep_their_threads_dates_authors_and_states(tmp_path):
    output = import_posts(tmp_path, discussion_post())

    article = Article.objects.get()
    comments = comments_by_wp_id()
    assert set(comments) == {1, 2, 3, 4, 5, 6, 7, 8, 10, 11}
    first = comments[1]
    assert (first.user, first.user_name, first.user_email) == (
        None,
        "Min-jun",
        "minjun@example.org",
    )
    assert first.ip_address == "192.0.2.10"
    assert comments[11].ip_address is None
    assert first.submit_date == datetime(2020, 6, 18, 9, 0, tzinfo=UTC)
    assert first.moderation_reasons == ["imported from WordPress"]
    # 1 → 2 → 3 (held) → 4: a reply under a held comment keeps its place.
    assert [comments[n].level for n in (1, 2, 3, 4)] == [0, 1, 2, 3]
    assert comments[4].parent_id == comments[3].pk
    assert comments[1].nested_count == 3
    assert [comments[n].state for n in (1, 3, 5, 7)] == ["approved", "pending", "spam", "removed"]
    # Trash remembers WordPress's state before it: restoring gives it back, approved.
    assert comments[7].is_public
    assert services.restore(comments[7])
    assert comments[7].state == "approved"
    # Under the removed comment, a reply stays; under spam, it moves up where readers see it.
    assert comments[8].parent_id == comments[7].pk
    assert comments[6].level == 0
    assert comments[10].level == 0
    # Approved and not removed: 1, 2, 4, 6, 8, 10, 11 (read before the restore's recount).
    assert article.comment_count == 7
    article.refresh_from_db()
    assert article.comment_count == Comment.objects.for_article(article).public().count() == 8
    rows = summary(output)
    assert rows["comments"] == (10, 0, 0, 2)
    assert rows["pingbacks"] == (0, 0, 1, 0)
    assert "comment 10 replies to comment 404, which is not in the export" in output
    assert "comment 6 replies to a spam comment" in output


def test_threads_are_placed_in_date_order_whatever_the_order_of_the_file(tmp_path):
    post = wxr.Post(
        10,
        comments=[
            wxr.ExportedComment(4, "late reply to 1", parent=1, date_gmt="2020-06-18 12:00:00"),
            wxr.ExportedComment(3, "second thread", date_gmt="2020-06-18 11:00:00"),
            wxr.ExportedComment(2, "early reply to 1", parent=1, date_gmt="2020-06-18 10:00:00"),
            wxr.ExportedComment(1, "first thread", date_gmt="2020-06-18 09:00:00"),
        ],
    )
    import_posts(tmp_path, post)

    in_order = Comment.objects.in_thread_order()
    assert [comment.comment for comment in in_order] == [
        "first thread",
        "early reply to 1",
        "late reply to 1",
        "second thread",
    ]


def test_a_reply_deeper_than_threads_go_answers_the_deepest_comment_it_may(tmp_path):
    chain = [
        wxr.ExportedComment(n, f"level {n}", parent=n - 1, date_gmt=f"2020-06-18 {8 + n:02d}:00:00")
        for n in range(1, 8)
    ]
    output = import_posts(tmp_path, wxr.Post(10, comments=chain))

    comments = comments_by_wp_id()
    assert [comments[n].level for n in range(1, 8)] == [0, 1, 2, 3, 4, 4, 4]
    assert comments[6].parent_id == comments[7].parent_id == comments[4].pk
    assert [c.comment for c in Comment.objects.in_thread_order()] == [
        f"level {n}" for n in range(1, 8)
    ]
    assert output.count("is deeper than threads go here") == 2
    assert summary(output)["comments"] == (7, 0, 0, 2)


def test_a_commenter_is_an_imported_author_only_when_wordpress_says_so_and_the_email_agrees(
    tmp_path,
):
    post = wxr.Post(
        10,
        comments=[
            wxr.ExportedComment(1, author="Ada", email="EDITOR@example.org", user_id=1),
            wxr.ExportedComment(2, author="Ada?", email="someone@example.org", user_id=1),
            wxr.ExportedComment(
                3, author="WordPress.com reader", email="wpcom@example.org", user_id=77
            ),
            wxr.ExportedComment(4, author="Anonymous Ada", email="editor@example.org", user_id=0),
        ],
    )
    import_posts(tmp_path, post)

    editor = get_user_model().objects.get(username="editor")
    comments = comments_by_wp_id()
    assert comments[1].user == editor
    assert [comments[n].user for n in (2, 3, 4)] == [None, None, None]
    assert comments[3].user_name == "WordPress.com reader"
    assert comments[3].user_email == "wpcom@example.org"


def test_a_long_commenter_name_is_cut_to_fit(tmp_path):
    import_posts(tmp_path, wxr.Post(10, comments=[wxr.ExportedComment(1, author="A" * 80)]))

    name = Comment.objects.get().user_name
    assert len(name) == 50
    assert name.endswith("…")


def test_pingbacks_and_trackbacks_are_skipped_and_counted(tmp_path):
    post = wxr.Post(
        10,
        comments=[
            wxr.ExportedComment(1, "Pingback", comment_type="pingback"),
            wxr.ExportedComment(2, "Trackback", comment_type="trackback"),
            wxr.ExportedComment(3, "A real comment", comment_type="comment"),
        ],
    )
    output = import_posts(tmp_path, post)

    assert [comment.comment for comment in Comment.objects.all()] == ["A real comment"]
    assert summary(output)["pingbacks"] == (0, 0, 2, 0)
    assert summary(output)["comments"] == (1, 0, 0, 0)


def test_comments_on_skipped_posts_are_skipped_with_them(tmp_path):
    posts = [
        wxr.Post(
            10, status="trash", comments=[wxr.ExportedComment(1), wxr.ExportedComment(2, parent=1)]
        ),
        wxr.Post(11, post_type="page", slug="about", comments=[wxr.ExportedComment(3)]),
    ]
    output = import_posts(tmp_path, *posts)

    assert not Comment.objects.exists()
    assert summary(output)["comments"] == (0, 0, 3, 0)


# The article page -----------------------------------------------------------------------


def test_the_article_page_shows_imported_threads_nested_and_paged(
    tmp_path, client, discussion_rules
):
    discussion_rules(top_level_per_page=2)
    post = wxr.Post(
        10,
        slug="kaesong",
        comments=[
            wxr.ExportedComment(1, "Thread one.", date_gmt="2020-06-18 09:00:00"),
            wxr.ExportedComment(2, "Reply in one.", parent=1, date_gmt="2020-06-18 09:30:00"),
            wxr.ExportedComment(3, "Thread two.", date_gmt="2020-06-18 10:00:00"),
            wxr.ExportedComment(4, "Thread three.", date_gmt="2020-06-18 11:00:00"),
            wxr.ExportedComment(5, "Held.", parent=4, approved="0", date_gmt="2020-06-18 11:30:00"),
        ],
    )
    import_posts(tmp_path, post)
    article = Article.objects.get()
    comments = comments_by_wp_id()

    first = client.get(article.get_absolute_url()).content.decode()
    second = client.get(article.get_absolute_url() + "?cpage=2").content.decode()

    assert "4 comments" in first
    assert re.search(
        rf'<li id="c{comments[1].pk}".*?comment-list--children.*?<li id="c{comments[2].pk}"',
        first,
        re.DOTALL,
    )
    assert f'id="c{comments[3].pk}"' in first
    assert f'id="c{comments[4].pk}"' not in first
    assert f'id="c{comments[4].pk}"' in second
    assert "Held." not in second
    assert "Page 2 of 2" in second


def page_queries(client, article):
    client.get(article.get_absolute_url())  # warms the per-process caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(article.get_absolute_url()).status_code == 200
    return len(queries)


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "logged in"])
def test_an_imported_article_page_costs_the_queries_of_any_other(tmp_path, client, logged_in):
    comments, wp_id = [], 1
    for thread in range(4):
        root = wp_id
        comments.append(
            wxr.ExportedComment(root, f"Thread {thread}", date_gmt=f"2020-06-18 1{thread}:00:00")
        )
        for reply in range(3):
            wp_id += 1
            comments.append(
                wxr.ExportedComment(
                    wp_id, "Reply", parent=wp_id - 1, date_gmt=f"2020-06-18 1{thread}:1{reply}:00"
                )
            )
        wp_id += 1
    import_posts(tmp_path, wxr.Post(10, slug="imported", comments=comments))
    imported = Article.objects.get(slug="imported")
    written_here = ArticleFactory(published_at=imported.published_at)
    assert imported.sections.count() == 1
    SectionFactory(article=written_here, position=1)
    for _ in range(4):
        parent = CommentFactory(article=written_here)
        for _ in range(3):
            parent = CommentFactory(article=written_here, parent=parent)
    if logged_in:
        client.force_login(UserFactory())

    assert Comment.objects.for_article(imported).count() == 16
    assert page_queries(client, imported) == page_queries(client, written_here)


# All or nothing, twice or once ----------------------------------------------------------


def full_export(tmp_path, uploads):
    """One of everything: the export the idempotency and dry-run tests import."""
    png(uploads / "2020" / "06" / "office.png")
    posts = [
        wxr.Post(
            10,
            title="North Korea blows up the liaison office",
            slug="north-korea-blows-up-the-liaison-office",
            content=BLOCK_CONTENT,
            excerpt="Why Pyongyang acted.",
            categories=[("category", "analysis", "Analysis"), ("post_tag", "korea", "Korea")],
            meta={"_thumbnail_id": "50"},
            comments=discussion_post().comments,
        ),
        wxr.Post(11, title="Draft", slug="", status="draft", date_gmt=wxr.ZERO_DATE),
        wxr.Post(12, title="Trashed", slug="trashed", status="trash"),
        wxr.attachment(50, "2020/06/office.png", alt="The office"),
    ]
    return wxr.write_export(
        tmp_path,
        authors=[EDITOR, wxr.Author(2, "kim", "kim@example.org", "Kim")],
        categories=[wxr.Term(2, "analysis", "Analysis")],
        tags=[wxr.Term(5, "korea", "Korea")],
        posts=posts,
    )


def test_a_second_import_of_the_same_file_creates_and_changes_nothing(tmp_path, uploads):
    path = full_export(tmp_path, uploads)
    first = run_import(path, "--media-dir", str(uploads))
    state = database_state()

    second = run_import(path, "--media-dir", str(uploads))

    assert database_state() == state
    # The post's warning: its content image is left out of the sections.
    assert summary(first) == {
        "authors": (2, 0, 0, 0),
        "topics": (2, 0, 0, 0),
        "posts": (2, 0, 1, 1),
        "attachments": (1, 0, 0, 0),
        "comments": (10, 0, 0, 2),
        "pingbacks": (0, 0, 1, 0),
    }
    assert summary(second) == {
        "authors": (0, 2, 0, 0),
        "topics": (0, 2, 0, 0),
        "posts": (0, 2, 1, 0),
        "attachments": (0, 1, 0, 0),
        "comments": (0, 10, 0, 0),
        "pingbacks": (0, 0, 1, 0),
    }
    assert WordPressLink.objects.count() == 2 + 2 + 2 + 1 + 10


def test_a_later_export_adds_only_the_new_comments_in_their_threads(tmp_path):
    post = wxr.Post(
        10,
        comments=[
            wxr.ExportedComment(1, "Old"),
            wxr.ExportedComment(2, "Old reply", parent=1),
            wxr.ExportedComment(5, "Old orphan", parent=404),
        ],
    )
    first = import_posts(tmp_path, post)
    post.comments += [
        wxr.ExportedComment(3, "New reply", parent=2, date_gmt="2020-07-01 09:00:00"),
        wxr.ExportedComment(4, "New thread", date_gmt="2020-07-01 10:00:00"),
    ]

    output = import_posts(tmp_path, post)

    comments = comments_by_wp_id()
    assert comments[3].parent_id == comments[2].pk
    assert comments[3].level == 2
    assert Comment.objects.get(pk=comments[1].pk).nested_count == 2
    assert Article.objects.get().comment_count == 5
    assert summary(first)["comments"] == (3, 0, 0, 1)
    # The orphan was placed, and warned about, the first time.
    assert summary(output)["comments"] == (2, 3, 0, 0)


def test_an_article_deleted_here_is_not_brought_back(tmp_path):
    path = wxr.write_export(
        tmp_path, authors=[EDITOR], posts=[wxr.Post(10, comments=[wxr.ExportedComment(1)])]
    )
    run_import(path)
    Article.objects.get().delete()

    output = run_import(path)

    assert not Article.objects.exists()
    assert not Comment.objects.exists()
    assert summary(output)["posts"] == (0, 0, 1, 0)
    assert "Skipped 1 post: deleted here since an earlier import." in output


def test_a_dry_run_reports_everything_and_writes_nothing(tmp_path, uploads, media_root):
    path = full_export(tmp_path, uploads)
    before = database_state()

    output = run_import(path, "--media-dir", str(uploads), "--dry-run")

    assert database_state() == before
    assert not stored_files(media_root)
    assert "would create" in output
    assert "nothing was written" in output
    assert summary(output)["posts"] == (2, 0, 1, 1)
    assert summary(output)["attachments"] == (1, 0, 0, 0)
    assert summary(output)["comments"] == (10, 0, 0, 2)


def test_a_failure_half_way_leaves_the_database_and_the_media_folder_as_they_were(
    tmp_path, uploads, media_root, monkeypatch
):
    path = full_export(tmp_path, uploads)
    before = database_state()
    stored_before_failing = []

    def fail(article_id):
        # Comments are counted after the post's featured image was stored.
        stored_before_failing.extend(stored_files(media_root))
        raise RuntimeError("the database went away")

    monkeypatch.setattr("wordpress.importer.refresh_comment_count", fail)
    with pytest.raises(RuntimeError, match="went away"):
        run_import(path, "--media-dir", str(uploads))

    assert stored_before_failing
    assert database_state() == before
    assert not stored_files(media_root)


LAUGHS = "\n".join(
    [' <!ENTITY lol "lol">']
    + [
        f' <!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">'
        for n in range(1, 10)
    ]
)

REFUSED = {
    "not xml": ("This is a list of my posts, not an export.", "it is not XML"),
    "json": ('{"posts": []}', "it is not XML"),
    "not wxr": (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>A feed</title>'
        "<item><title>Post</title></item></channel></rss>",
        "not a WordPress export (WXR): it has no wp:wxr_version",
    ),
    "another root": (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>',
        "its root is <feed>, not <rss>",
    ),
    "billion laughs": (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n{LAUGHS}\n]>\n<rss><channel>'
        "<title>&lol9;</title></channel></rss>",
        "it declares an XML entity (lol)",
    ),
    "external entity": (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY secret SYSTEM "file:///etc/passwd">\n]>'
        '\n<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2'
        "</wp:wxr_version><title>&secret;</title></channel></rss>",
        "it declares an external entity (secret, file:///etc/passwd)",
    ),
}


@pytest.mark.parametrize(("text", "message"), REFUSED.values(), ids=REFUSED.keys())
def test_a_file_that_is_not_a_safe_whole_export_is_refused_and_nothing_is_written(
    tmp_path, text, message
):
    path = tmp_path / "export.xml"
    path.write_text(text, encoding="utf-8")
    before = database_state()

    with pytest.raises(CommandError, match="cannot be imported") as refused:
        run_import(path)

    assert message in str(refused.value)
    assert "Nothing was written." in str(refused.value)
    assert database_state() == before


def test_a_truncated_export_is_refused_and_nothing_is_written(tmp_path):
    text = wxr.export_xml(authors=[EDITOR], posts=[discussion_post(), wxr.Post(11, slug="two")])
    path = tmp_path / "export.xml"
    path.write_text(text[: len(text) * 2 // 3], encoding="utf-8")

    with pytest.raises(CommandError, match="the file is truncated"):
        run_import(path)

    assert not Article.objects.exists()
    assert not get_user_model().objects.exists()


def test_a_missing_file_or_media_folder_is_refused(tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        run_import(tmp_path / "nowhere.xml")
    path = wxr.write_export(tmp_path, authors=[EDITOR], posts=[wxr.Post(10)])
    with pytest.raises(CommandError, match="is not a folder"):
        run_import(path, "--media-dir", str(tmp_path / "no-uploads"))


# Progress and summary -------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_is_a_line_per_post_in_a_log_and_a_bar_on_a_terminal(tmp_path):
    posts = [wxr.Post(10, title="One", slug="one"), wxr.Post(11, title="Two", slug="two")]
    path = wxr.write_export(tmp_path, authors=[EDITOR], posts=posts)
    logged = run_import(path, "--dry-run")
    on_terminal = run_import(path, stdout=Terminal())

    assert "[1/2] created “One” (published), 0 comments added" in logged
    assert "[2/2] created “Two” (published), 0 comments added" in logged
    assert "\r" not in logged
    assert "\r[" in on_terminal
    assert "100%  post 2/2" in on_terminal
    assert "[1/2] created" not in on_terminal


def test_the_summary_is_a_table_of_every_kind(tmp_path):
    output = import_posts(tmp_path, wxr.Post(10))

    header = next(line for line in output.splitlines() if "matched" in line)
    assert header.split() == ["created", "matched", "skipped", "warnings"]
    assert list(summary(output)) == list(KINDS)
    assert re.search(r"Imported in \d+\.\d s\.", output)


def test_at_verbosity_0_the_import_says_nothing(tmp_path):
    path = wxr.write_export(tmp_path, authors=[EDITOR], posts=[wxr.Post(10)])
    stdout = io.StringIO()

    call_command("import_wxr", str(path), verbosity=0, stdout=stdout)

    assert stdout.getvalue() == ""
    assert Article.objects.count() == 1


def test_a_large_generated_export_comes_in_whole_and_once(tmp_path):
    text, shape = wxr.large_export(posts=4, threads_per_post=8, replies_per_thread=3)
    path = tmp_path / "large.xml"
    path.write_text(text, encoding="utf-8")

    first = run_import(path)
    second = run_import(path)

    comments = Comment.objects.all()
    assert comments.count() == shape.comments == 4 * (8 * 4 + 1)
    assert comments.public().count() == shape.approved
    assert comments.held().count() == shape.pending
    assert comments.filter(is_spam=True).count() == shape.spam
    assert comments.in_state("removed").count() == shape.trash
    assert sum(Article.objects.values_list("comment_count", flat=True)) == shape.approved
    assert summary(first)["comments"] == (shape.comments, 0, 0, shape.orphans)
    assert summary(first)["pingbacks"] == (0, 0, shape.pingbacks, 0)
    assert summary(second)["comments"] == (0, shape.comments, 0, 0)


@only_on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_imported_tables_are_analyzed_at_once_on_postgresql(tmp_path):
    before = {table: last_analyze(table) for table in IMPORTED_TABLES}

    run_import(wxr.write_export(tmp_path, authors=[EDITOR], posts=[discussion_post()]))

    for table in IMPORTED_TABLES:
        after = last_analyze(table)
        assert after is not None, table
        assert before[table] is None or after > before[table], table


@only_on_postgresql
def test_a_dry_run_analyzes_nothing(tmp_path):
    with CaptureQueriesContext(connection) as queries:
        run_import(
            wxr.write_export(tmp_path, authors=[EDITOR], posts=[discussion_post()]), "--dry-run"
        )

    assert not [query for query in queries if query["sql"].startswith("ANALYZE")]


IMPORTED_TABLES = (
    "blog_article",
    "blog_section",
    "django_comments",
    "django_comments_xtd_xtdcomment",
    "comments_comment",
    "wordpress_wordpresslink",
)
