"""Pages run a fixed number of queries, whatever the number of articles, sections, motives
and images."""

import pytest

from tests.scoped_data import rows_for_scope

from .factories import MotiveFactory, TopicFactory, article_with_sections

pytestmark = pytest.mark.django_db

# Every page a reader who is not logged in asks for first reads the content version, which
# keys the page cache (config/page_cache.py); the page reuses it for its discussion.
CONTENT_VERSION = 1

# count for the paginator and the page of articles; then, to render their cards once for the
# content version (blog/cards.py): the articles again (author and image joined), their
# motive-tagged sections, those sections' motives, and the images' renditions
LISTING_QUERIES = 2
HOME_QUERIES = LISTING_QUERIES + 4
# the article (author and image joined); then, to render the article's own HTML once for
# the content version (blog/views.py, article_parts): the article again with its image's
# renditions, its sections (figures joined), their motives, the figures' renditions, its
# topics, the previous and the next article, and the approved comments on each motive
# section (one aggregate, through the comments app's `comment_counts` tag)
READING_QUERIES = 1 + 9
# the discussion: the discussion rules and the article's content type (both cached after the
# first request), the listed threads' ids (cached under the content version) and the page's
# comments (tests/comments pins these at any number of comments); for a reader not logged
# in, the site and the social apps for login icons
ARTICLE_QUERIES = READING_QUERIES + 3 + 2
# the motive, the paginator's count, the page of sections (articles joined); then the
# comments app's `motive_comments` tag: the discussion rules and the article content type
# (both cached after the first request), the newest comments (sections and articles joined)
MOTIVE_QUERIES = 3 + 3
# the topic, then what the home page runs
TOPIC_QUERIES = 1 + HOME_QUERIES


@pytest.fixture(scope="module")
def module_media(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def media_root(settings, module_media):
    """The articles' files, made once for the module, stay where the feeds read their sizes."""
    settings.MEDIA_ROOT = module_media
    return module_media


@pytest.fixture(scope="module", params=[1, 30], ids=["1 article", "30 articles"])
def articles(request, django_db_setup, django_db_blocker, module_media):
    """Made once for the module's tests, which only read them (tests/scoped_data.py)."""

    def build():
        # The factory dates articles a day apart: 30 of them span two months or more, so
        # the archive pages have neighbouring months to look up. Tiny images: what is
        # counted here is queries, and encoding 60 full-size pictures was most of the time.
        motives = MotiveFactory.create_batch(4)
        topic = TopicFactory(slug="north-korea")
        built = []
        for _ in range(request.param):
            article = article_with_sections(sections=6, motives=motives, tiny_images=True)
            article.topics.add(topic)
            built.append(article)
        return built

    yield from rows_for_scope(django_db_blocker, module_media, build)


def test_home(client, articles, django_assert_num_queries):
    with django_assert_num_queries(CONTENT_VERSION + HOME_QUERIES):
        assert client.get("/").status_code == 200


def test_home_rendered_again(client, articles, django_assert_num_queries):
    client.get("/")
    rendered_again = {"Cache-Control": "no-cache"}  # past the page cache, not the cards

    with django_assert_num_queries(CONTENT_VERSION + LISTING_QUERIES):
        assert client.get("/", headers=rendered_again).status_code == 200


def test_second_home_page(client, articles, django_assert_num_queries):
    expected_status = 200 if len(articles) > 10 else 404
    # An empty second page stops after the count.
    with django_assert_num_queries(
        CONTENT_VERSION + (HOME_QUERIES if expected_status == 200 else 1)
    ):
        assert client.get("/?page=2").status_code == expected_status


def test_article(client, articles, django_assert_num_queries):
    url = articles[len(articles) // 2].get_absolute_url()

    with django_assert_num_queries(CONTENT_VERSION + ARTICLE_QUERIES):
        assert client.get(url).status_code == 200


# The article's own HTML and the discussion's listed threads come from the cache: the
# article itself, and the social apps for the login icons.
ARTICLE_QUERIES_CACHED = 1 + 1


def test_article_rendered_again(client, articles, django_assert_num_queries):
    url = articles[len(articles) // 2].get_absolute_url()
    client.get(url)
    rendered_again = {"Cache-Control": "no-cache"}  # past the page cache, not the fragments

    with django_assert_num_queries(CONTENT_VERSION + ARTICLE_QUERIES_CACHED):
        assert client.get(url, headers=rendered_again).status_code == 200


def test_article_from_the_page_cache(client, articles, django_assert_num_queries):
    url = articles[len(articles) // 2].get_absolute_url()
    client.get(url)

    with django_assert_num_queries(CONTENT_VERSION):
        response = client.get(url)

    assert response["X-Page-Cache"] == "hit"


def test_motive(client, articles, django_assert_num_queries):
    url = articles[0].sections.first().motives.first().get_absolute_url()

    with django_assert_num_queries(CONTENT_VERSION + MOTIVE_QUERIES):
        assert client.get(url).status_code == 200


def test_motive_index(client, articles, django_assert_num_queries):
    with django_assert_num_queries(CONTENT_VERSION + 1):
        assert client.get("/motives/").status_code == 200


def test_topic(client, articles, django_assert_num_queries):
    with django_assert_num_queries(CONTENT_VERSION + TOPIC_QUERIES):
        assert client.get("/tag/north-korea/").status_code == 200


# whether the year has articles, its months, the previous and the next year with articles,
# then what a listing runs (as on the home page)
YEAR_ARCHIVE_QUERIES = 4 + HOME_QUERIES
# the months with their article counts, in one aggregate
ARCHIVE_INDEX_QUERIES = 1


def test_year_archive(client, articles, django_assert_num_queries):
    year = articles[0].published_at.year

    with django_assert_num_queries(CONTENT_VERSION + YEAR_ARCHIVE_QUERIES):
        assert client.get(f"/{year}/").status_code == 200


def test_archive_index(client, articles, django_assert_num_queries):
    with django_assert_num_queries(CONTENT_VERSION + ARCHIVE_INDEX_QUERIES):
        assert client.get("/archive/").status_code == 200


# when the feed last changed (for ETag and Last-Modified), then the 20 articles as the
# article page loads one: author and image joined, renditions, sections, figures'
# renditions, motives, topics
# (+1: the site whose domain builds the links, cached per process after the first request)
FEED_QUERIES = 1 + 6 + 1


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/"])
def test_feed(client, articles, django_assert_num_queries, url):
    with django_assert_num_queries(CONTENT_VERSION + FEED_QUERIES):
        assert client.get(url).status_code == 200


def test_sitemap(client, articles, django_assert_num_queries):
    # home's last change; a count and a list for each of articles, motives and topics;
    # the site whose domain builds the links
    with django_assert_num_queries(CONTENT_VERSION + 8):
        assert client.get("/sitemap.xml").status_code == 200


def test_month_archive(client, articles, django_assert_num_queries):
    day = articles[0].published_at

    # as for a year: whether it has articles, its days, the months around it, a listing
    with django_assert_num_queries(CONTENT_VERSION + YEAR_ARCHIVE_QUERIES):
        assert client.get(f"/{day:%Y}/{day:%m}/").status_code == 200
