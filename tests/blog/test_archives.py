from datetime import UTC, datetime

import pytest

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles():
    return {
        "june": ArticleFactory(title="June", published_at=datetime(2020, 6, 17, 12, tzinfo=UTC)),
        "july": ArticleFactory(title="July", published_at=datetime(2020, 7, 1, 12, tzinfo=UTC)),
        "next_year": ArticleFactory(title="2021", published_at=datetime(2021, 1, 5, tzinfo=UTC)),
        "draft": ArticleFactory(title="Draft", draft=True),
    }


def titles(response):
    return [article.title for article in response.context["articles"]]


def test_year_archive_lists_that_years_articles(client, articles):
    response = client.get("/2020/")

    assert response.status_code == 200
    assert titles(response) == ["July", "June"]


def test_month_archive_lists_that_months_articles(client, articles):
    response = client.get("/2020/06/")

    assert titles(response) == ["June"]


def test_empty_archive_is_404(client, articles):
    assert client.get("/2019/").status_code == 404
    assert client.get("/2020/05/").status_code == 404


def test_archive_hides_scheduled_articles(client):
    ArticleFactory(scheduled=True)

    assert client.get("/archive/").context["months"].count() == 0


def test_archive_index_counts_articles_per_month(client, articles):
    response = client.get("/archive/")

    months = [
        (entry["month"].strftime("%Y-%m"), entry["count"]) for entry in response.context["months"]
    ]
    assert months == [("2021-01", 1), ("2020-07", 1), ("2020-06", 1)]
    assert 'href="/2020/06/"' in response.content.decode()


def test_article_page_links_the_archive(client, articles):
    content = client.get(articles["june"].get_absolute_url()).content.decode()

    assert 'href="/archive/"' in content


def test_year_archive_links_the_years_around_it(client, articles):
    content = client.get("/2021/").content.decode()

    assert 'href="/2020/"' in content


def test_month_archive_links_the_months_around_it(client, articles):
    content = client.get("/2020/07/").content.decode()

    assert 'href="/2020/06/"' in content
    assert 'href="/2021/01/"' in content
