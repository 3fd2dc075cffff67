"""Replies anchored to a motive: a comment may discuss a motive section of its article
("Discuss this motive"), replies take their thread's section, the article shows each
section's count, the discussion filters by motive, and each motive has its newest comments
on its page and in a feed."""

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import ContentVersion
from comments.discussion import MOTIVE_PAGE_COMMENTS
from comments.models import Comment, refresh_comment_count
from tests.blog.factories import ArticleFactory, MotiveFactory, SectionFactory, UserFactory

from .factories import CommentFactory
from .test_posting import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaflets():
    return MotiveFactory(name="Propaganda leaflets", slug="leaflets")


@pytest.fixture
def succession():
    return MotiveFactory(name="Succession", slug="succession")


@pytest.fixture
def article(leaflets, succession):
    article = ArticleFactory(title="Kaesong")
    SectionFactory(article=article, position=1, heading="Introduction", kind="lead")
    SectionFactory(article=article, position=2, heading="The leaflets", motives=[leaflets])
    SectionFactory(article=article, position=3, heading="Kim Yo-jong", motives=[succession])
    return article


def section_of(article, heading):
    return article.sections.get(heading=heading)


@pytest.fixture
def reader(client):
    user = UserFactory(first_name="Min", last_name="Ji")
    client.force_login(user)
    return user


def post(client, article, **kwargs):
    return client.post(f"/comments/post/{article.pk}/", form_data(article, **kwargs))


def page(client, article, query=""):
    response = client.get(article.get_absolute_url() + query)
    assert response.status_code == 200
    return response.content.decode()


def comment_ids(html):
    return [int(pk) for pk in re.findall(r'<li id="c(\d+)"', html)]


# Posting --------------------------------------------------------------------------------


def test_a_comment_posted_on_a_motive_section_carries_it(client, article, reader):
    leaflets_section = section_of(article, "The leaflets")

    response = post(client, article, section=str(leaflets_section.pk))

    assert response.status_code == 302
    assert Comment.objects.get().section == leaflets_section


def test_a_comment_posted_without_a_section_carries_none(client, article, reader):
    post(client, article)

    assert Comment.objects.get().section is None


def test_a_reply_takes_its_parents_section_whatever_the_form_sent(client, article, reader):
    parent = CommentFactory(article=article, section=section_of(article, "The leaflets"))

    post(client, article, reply_to=parent.pk, section=str(section_of(article, "Kim Yo-jong").pk))

    reply = Comment.objects.exclude(pk=parent.pk).get()
    assert reply.section == parent.section


def test_a_reply_to_a_comment_without_a_section_has_none(client, article, reader):
    parent = CommentFactory(article=article)

    post(client, article, reply_to=parent.pk, section=str(section_of(article, "Kim Yo-jong").pk))

    assert Comment.objects.exclude(pk=parent.pk).get().section is None


@pytest.mark.parametrize("which", ["another article's", "without a motive", "unknown"])
def test_a_tampered_section_is_refused_with_the_text_kept(client, article, reader, which):
    section_id = {
        "another article's": lambda: SectionFactory(motives=[MotiveFactory()]).pk,
        "without a motive": lambda: section_of(article, "Introduction").pk,
        "unknown": lambda: 999_999,
    }[which]()

    response = post(client, article, text="Kept, all of it.", section=str(section_id))

    assert response.status_code == 400
    html = response.content.decode()
    assert "Kept, all of it." in html
    assert "not a motive of this article" in html
    assert Comment.objects.count() == 0


def test_a_deleted_section_leaves_its_comments_without_one(client, article):
    section = section_of(article, "The leaflets")
    comment = CommentFactory(article=article, section=section)

    section.delete()

    comment.refresh_from_db()
    assert comment.section is None


# The section's own page, for readers without JavaScript -----------------------------------


def test_the_section_page_has_the_form_tied_to_the_section(client, article, reader):
    section = section_of(article, "The leaflets")

    response = client.get(f"/comments/section/{section.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Discuss “The leaflets”" in html
    assert f'name="section" value="{section.pk}"' in html
    assert f'action="/comments/post/{article.pk}/"' in html


def test_the_section_page_offers_login_to_a_reader_not_logged_in(client, article):
    section = section_of(article, "The leaflets")

    html = client.get(f"/comments/section/{section.pk}/").content.decode()

    assert "Log in to leave a reply." in html
    assert 'id="commentform"' not in html


def test_the_section_page_says_when_comments_are_closed(client, leaflets, reader):
    section = SectionFactory(article=ArticleFactory(allow_comments=False), motives=[leaflets])

    html = client.get(f"/comments/section/{section.pk}/").content.decode()

    assert "Comments are closed." in html
    assert 'id="commentform"' not in html


@pytest.mark.parametrize("which", ["without a motive", "on a draft"])
def test_the_section_page_is_404_for_a_section_not_open_to_discussion(
    client, article, leaflets, which
):
    section = {
        "without a motive": lambda: section_of(article, "Introduction"),
        "on a draft": lambda: SectionFactory(
            article=ArticleFactory(published_at=None), motives=[leaflets]
        ),
    }[which]()

    assert client.get(f"/comments/section/{section.pk}/").status_code == 404


# The article --------------------------------------------------------------------------


def test_each_motive_section_links_to_discuss_it(client, article):
    html = page(client, article)

    for heading in ("The leaflets", "Kim Yo-jong"):
        section = section_of(article, heading)
        assert f'href="/comments/section/{section.pk}/" data-section="{section.pk}"' in html
    introduction = section_of(article, "Introduction")
    assert f"/comments/section/{introduction.pk}/" not in html


def test_contents_and_sections_count_approved_comments_on_each(client, article):
    leaflets_section = section_of(article, "The leaflets")
    CommentFactory.create_batch(2, article=article, section=leaflets_section)
    CommentFactory(article=article, section=leaflets_section, held=True)
    CommentFactory(article=article)

    html = page(client, article)

    assert html.count("· 2 comments</span>") == 1  # the contents list
    on_leaflets = re.search(
        r'<a class="section__comments" href="\?motive=leaflets#comments".*?</a>', html
    )
    on_succession = re.search(
        r'<a class="section__comments" href="\?motive=succession#comments".*?</a>', html
    )
    assert on_leaflets.group().endswith(">2 comments</a>")
    assert on_succession.group().endswith(">0 comments</a>")


def test_a_comment_on_a_section_names_it_and_one_without_shows_as_before(client, article):
    leaflets_section = section_of(article, "The leaflets")
    on_section = CommentFactory(article=article, section=leaflets_section)
    CommentFactory(article=article, parent=on_section)
    plain = CommentFactory(article=article)

    html = page(client, article)

    assert html.count('class="comment__section"') == 1  # the thread's first comment only
    assert '<a class="comment__section" href="#the-leaflets">on “The leaflets”</a>' in html
    plain_item = re.search(rf'<li id="c{plain.pk}".*?</li>', html).group()
    assert "comment__section" not in plain_item


# The discussion filtered by motive -------------------------------------------------------


def test_the_filter_lists_the_threads_on_that_motive_only(client, article):
    on_leaflets = CommentFactory(article=article, section=section_of(article, "The leaflets"))
    reply = CommentFactory(article=article, parent=on_leaflets)
    CommentFactory(article=article, section=section_of(article, "Kim Yo-jong"))
    CommentFactory(article=article)

    html = page(client, article, "?motive=leaflets")

    assert comment_ids(html) == [on_leaflets.pk, reply.pk]
    assert "2 comments on the motive “Propaganda leaflets”" in html
    assert "Show every comment" in html


def test_without_the_filter_every_thread_is_listed(client, article):
    comments = [
        CommentFactory(article=article, section=section_of(article, "The leaflets")),
        CommentFactory(article=article),
    ]
    refresh_comment_count(article.pk)

    html = page(client, article)

    assert comment_ids(html) == [comment.pk for comment in comments]
    assert "2 comments</h2>" in html


def test_an_unknown_motive_shows_every_comment(client, article):
    comment = CommentFactory(article=article)

    assert comment_ids(page(client, article, "?motive=nothing-like-it")) == [comment.pk]


def test_a_motive_without_comments_here_says_so(client, article):
    CommentFactory(article=article)

    html = page(client, article, "?motive=succession")

    assert comment_ids(html) == []
    assert "No comments on this motive yet." in html


def test_the_filtered_discussion_has_its_own_pages_and_links_keep_the_filter(
    client, article, discussion_rules
):
    discussion_rules(top_level_per_page=2)
    section = section_of(article, "The leaflets")
    on_motive = []
    for number in range(6):
        # Every other thread is on the motive: three of them, two pages filtered.
        comment = CommentFactory(article=article, section=section if number % 2 else None)
        if number % 2:
            on_motive.append(comment)

    first = page(client, article, "?motive=leaflets")
    second = page(client, article, "?motive=leaflets&cpage=2")

    assert comment_ids(first) == [comment.pk for comment in on_motive[:2]]
    assert comment_ids(second) == [on_motive[2].pk]
    assert 'href="?motive=leaflets&amp;cpage=2#comments"' in first
    assert 'href="?motive=leaflets&amp;cpage=1#comments"' in second


def test_a_comments_permalink_counts_the_unfiltered_pages(client, article, discussion_rules):
    discussion_rules(top_level_per_page=2)
    CommentFactory.create_batch(2, article=article)
    on_motive = CommentFactory(article=article, section=section_of(article, "The leaflets"))

    response = client.get(f"/comments/{on_motive.pk}/")

    # Third thread: page 2 of the whole discussion, though the first of its motive's.
    assert response["Location"] == f"{article.get_absolute_url()}?cpage=2#c{on_motive.pk}"


def test_filtered_and_unfiltered_threads_are_cached_apart(client, article):
    thread = CommentFactory(article=article, section=section_of(article, "The leaflets")).pk
    version = ContentVersion.current()[0]

    def cached(shown):
        return cache.get(f"discussion:{version}:anonymous:1:{shown}:{thread}") is not None

    page(client, article, "?motive=leaflets")
    assert (cached("leaflets"), cached("")) == (True, False)
    page(client, article)
    assert cached("")


# The motive's page and its feed ------------------------------------------------------


def test_the_motive_page_shows_its_newest_approved_comments_across_articles(
    client, article, leaflets
):
    other = ArticleFactory(title="Panmunjom")
    other_section = SectionFactory(article=other, heading="More leaflets", motives=[leaflets])
    older = CommentFactory(
        article=article,
        section=section_of(article, "The leaflets"),
        comment="Balloons from the south.",
        submit_date=timezone.now() - timedelta(hours=2),
    )
    newer = CommentFactory(article=other, section=other_section, comment="Loudspeakers too.")
    CommentFactory(article=article, section=section_of(article, "The leaflets"), held=True)
    CommentFactory(article=article, section=section_of(article, "Kim Yo-jong"))
    CommentFactory(article=article, comment="Not on a motive.")
    draft = ArticleFactory(published_at=None)
    CommentFactory(
        article=draft, section=SectionFactory(article=draft, motives=[leaflets]), comment="Draft."
    )

    html = client.get("/motives/leaflets/").content.decode()

    listed = re.findall(r'<li class="motive-comment">.*?</li>', html, re.S)
    assert len(listed) == 2
    assert "Loudspeakers too." in listed[0]
    assert "Panmunjom" in listed[0]
    assert "Balloons from the south." in listed[1]
    assert f'href="{other.get_absolute_url()}#c{newer.pk}"' in listed[0]
    assert f'href="{article.get_absolute_url()}#c{older.pk}"' in listed[1]
    assert "Draft." not in html
    assert "Not on a motive." not in html


def test_the_motive_page_shows_at_most_its_newest_few(client, article):
    CommentFactory.create_batch(
        MOTIVE_PAGE_COMMENTS + 2, article=article, section=section_of(article, "The leaflets")
    )

    html = client.get("/motives/leaflets/").content.decode()

    assert html.count('<li class="motive-comment">') == MOTIVE_PAGE_COMMENTS


def test_the_motive_page_links_its_comment_feed_in_its_head(client, article):
    html = client.get("/motives/leaflets/").content.decode()

    head = html.split("</head>")[0]
    assert 'href="/motives/leaflets/comments/feed/"' in head


def test_the_motive_comment_feed_has_the_motives_approved_comments(client, article, leaflets):
    on_motive = CommentFactory(
        article=article, section=section_of(article, "The leaflets"), comment="Balloons."
    )
    CommentFactory(article=article, section=section_of(article, "Kim Yo-jong"), comment="Heir.")
    CommentFactory(article=article, section=section_of(article, "The leaflets"), held=True)

    response = client.get("/motives/leaflets/comments/feed/")

    assert response.status_code == 200
    channel = ElementTree.fromstring(response.content).find("channel")
    assert channel.findtext("title") == "Comments on the motive “Propaganda leaflets” — Liaison"
    items = channel.findall("item")
    assert len(items) == 1
    assert items[0].findtext("link").endswith(f"{article.get_absolute_url()}#c{on_motive.pk}")


def test_the_comment_feed_of_an_unknown_motive_is_404(client):
    assert client.get("/motives/nothing/comments/feed/").status_code == 404


# Queries --------------------------------------------------------------------------------


def article_with_comments(comments, leaflets, succession):
    """An article with six sections, each arguing a motive, and `comments` approved comments
    spread over its sections (a third of them replies, a few with no section)."""
    article = ArticleFactory()
    sections = [
        SectionFactory(article=article, position=n, motives=[(leaflets, succession)[(n - 1) % 2]])
        for n in range(1, 7)
    ]
    roots = []
    for number in range(comments):
        if number % 3 == 2:
            CommentFactory(article=article, parent=roots[number % len(roots)])
        else:
            section = sections[number % 6] if number % 5 != 4 else None
            roots.append(CommentFactory(article=article, section=section))
    refresh_comment_count(article.pk)
    return article


def queries_of(client, url, cold=False):
    """The page's queries past the page cache: with its article HTML and threads cached
    by a first request, or `cold`, rendered from nothing."""
    client.get(url)  # warms the per-process caches (rules, content type, site)
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, headers={"Cache-Control": "no-cache"}).status_code == 200
    return len(queries)


@pytest.mark.parametrize("logged_in", [False, True], ids=["not logged in", "logged in"])
def test_the_article_page_costs_the_same_with_and_without_motive_at_0_and_500_comments(
    client, leaflets, succession, logged_in
):
    if logged_in:
        client.force_login(UserFactory())
    warm, cold = {}, {}
    for comments in (0, 500):
        url = article_with_comments(comments, leaflets, succession).get_absolute_url()
        for shown, query in (("whole", ""), ("?motive=", "?motive=leaflets")):
            warm[shown, comments] = queries_of(client, url + query)
            cold[shown, comments] = queries_of(client, url + query, cold=True)
    viewer = "logged in" if logged_in else "not logged in"
    for name, counts in (("cached", warm), ("rendered from nothing", cold)):
        print(
            f"\nArticle page queries, {viewer}, {name}:",
            ", ".join(f"{shown} at {n} comments: {c}" for (shown, n), c in counts.items()),
        )

    # The filter costs two queries more: the motive, and the count of its comments. The
    # listed threads come from the cache, past a first page (500 comments are 334 threads)
    # as before it.
    assert warm["whole", 500] == warm["whole", 0]
    assert warm["?motive=", 0] == warm["whole", 0] + 2
    assert warm["?motive=", 500] == warm["whole", 500] + 2
    # Rendered from nothing, the listed threads are read in one query at any number, and
    # the page's threads in one more once there are any; the article's section counts are
    # one aggregate at any number.
    assert cold["whole", 500] == cold["whole", 0] + 1
    assert cold["?motive=", 500] == cold["?motive=", 0] + 1 == cold["whole", 500] + 2


def test_the_motive_page_costs_the_same_at_0_and_100_comments(client, leaflets, succession):
    article_with_comments(0, leaflets, succession)
    empty = queries_of(client, leaflets.get_absolute_url())
    article_with_comments(100, leaflets, succession)

    assert queries_of(client, leaflets.get_absolute_url()) == empty


@pytest.mark.parametrize("comments", [1, 100])
def test_the_motive_comment_feed_runs_a_fixed_number_of_queries(
    client, leaflets, succession, comments, django_assert_num_queries
):
    article_with_comments(comments, leaflets, succession)
    url = "/motives/leaflets/comments/feed/"
    client.get(url)

    # The content version, the motive, the state (newest change and count), the comments
    # with their place in the discussion, their articles.
    with django_assert_num_queries(5):
        assert client.get(url, headers={"Cache-Control": "no-cache"}).status_code == 200
