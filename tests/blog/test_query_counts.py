"""Pages run a fixed number of queries, whatever the number of articles, sections, motives
and images."""

import pytest

from .factories import MotiveFactory, TopicFactory, article_with_sections

pytestmark = pytest.mark.django_db

# count for the paginator, the page of articles (author and image joined),
# their motive-tagged sections, those sections' motives, and the images' renditions
HOME_QUERIES = 5
# the article (author and image joined), its image's renditions, its sections (figures
# joined), their motives, the figures' renditions, its topics, the previous and the next article
ARTICLE_QUERIES = 8
# the motive, the paginator's count, the page of sections (articles joined)
MOTIVE_QUERIES = 3
# the topic, then what the home page runs
TOPIC_QUERIES = 1 + HOME_QUERIES


@pytest.fixture(params=[1, 30], ids=["1 article", "30 articles"])
def articles(request):
    motives = MotiveFactory.create_batch(4)
    topic = TopicFactory(slug="north-korea")
    built = []
    for _ in range(request.param):
        article = article_with_sections(sections=6, motives=motives)
        article.topics.add(topic)
        built.append(article)
    return built


def test_home(client, articles, django_assert_num_queries):
    with django_assert_num_queries(HOME_QUERIES):
        assert client.get("/").status_code == 200


def test_second_home_page(client, articles, django_assert_num_queries):
    expected_status = 200 if len(articles) > 10 else 404
    # An empty second page stops after the count.
    with django_assert_num_queries(HOME_QUERIES if expected_status == 200 else 1):
        assert client.get("/?page=2").status_code == expected_status


def test_article(client, articles, django_assert_num_queries):
    url = articles[len(articles) // 2].get_absolute_url()

    with django_assert_num_queries(ARTICLE_QUERIES):
        assert client.get(url).status_code == 200


def test_motive(client, articles, django_assert_num_queries):
    url = articles[0].sections.first().motives.first().get_absolute_url()

    with django_assert_num_queries(MOTIVE_QUERIES):
        assert client.get(url).status_code == 200


def test_motive_index(client, articles, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert client.get("/motives/").status_code == 200


def test_topic(client, articles, django_assert_num_queries):
    with django_assert_num_queries(TOPIC_QUERIES):
        assert client.get("/tag/north-korea/").status_code == 200
