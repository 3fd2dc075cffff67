"""The shape of what `make bench` measures (bench/seed.py). No server, no load, no timing."""

import pytest
from django.test import Client

from bench.run import analyze_as_a_living_site
from bench.seed import (
    TOP_LEVEL_PER_PAGE,
    reader_session_cookie,
    seed_discussion,
    seed_site,
)
from blog.seed import load_all
from comments.models import Comment, current_rules
from tests.blog.factories import ArticleFactory
from tests.planner_statistics import last_analyze, only_on_postgresql


@pytest.mark.django_db
def test_ten_comments_make_two_threads_at_levels_0_1_2_3_1():
    article = ArticleFactory()

    seed_discussion(article, 10)

    comments = Comment.objects.for_article(article).order_by("pk")
    threads = {}
    for comment in comments:
        threads.setdefault(comment.thread_id, []).append(comment.level)
    assert list(threads.values()) == [[0, 1, 2, 3, 1], [0, 1, 2, 3, 1]]


@pytest.mark.django_db
def test_each_reply_answers_the_comment_the_thread_shape_names():
    article = ArticleFactory()

    first, reply, deeper, deepest, second_reply = seed_discussion(article, 5)

    parents = [reply.parent_id, deeper.parent_id, deepest.parent_id, second_reply.parent_id]
    assert parents == [first.pk, reply.pk, deeper.pk, first.pk]


@pytest.mark.django_db
def test_seeded_comments_are_approved_and_counted():
    article = ArticleFactory()

    seed_discussion(article, 7)

    article.refresh_from_db()
    assert article.comment_count == 7
    assert Comment.objects.for_article(article).public().count() == 7


@pytest.mark.django_db
def test_the_same_count_gives_the_same_texts_authors_and_dates():
    first, second = ArticleFactory(), ArticleFactory()

    one = seed_discussion(first, 12)
    other = seed_discussion(second, 12)

    def described(comments):
        return [(c.user_name, c.comment, c.submit_date, c.level) for c in comments]

    assert described(one) == described(other)


@pytest.mark.django_db
def test_the_site_has_an_article_per_count_those_to_post_to_and_the_bench_rules():
    (seeded,) = load_all()

    site = seed_site(seeded.article, counts=(0, 200, 15), posting_count=6, posting_articles=3)

    client = Client()
    for count, url in site.article_urls.items():
        response = client.get(url)
        assert response.status_code == 200
        article = response.context["article"]
        assert Comment.objects.for_article(article).public().count() == count
    assert site.article_urls[200] == seeded.article.get_absolute_url()
    assert len(site.posting_article_urls) == len(set(site.posting_article_urls)) == 3
    for pk in site.posting_article_pks:
        assert Comment.objects.for_article(pk).public().count() == 6
    rules = current_rules()
    assert (rules.top_level_per_page, rules.flood_interval) == (TOP_LEVEL_PER_PAGE, 0)


@pytest.mark.django_db
def test_the_readers_session_cookie_logs_them_in():
    reader, cookie = reader_session_cookie()
    name, value = cookie.split("=", 1)
    client = Client()
    client.cookies[name] = value

    response = client.get("/")

    assert response.wsgi_request.user == reader


@only_on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_seeded_tables_are_analyzed_as_autovacuum_would_on_a_living_site():
    seed_discussion(ArticleFactory(), 10)
    before = last_analyze("django_comments")

    analyze_as_a_living_site()

    after = last_analyze("django_comments")
    assert after is not None
    assert before is None or after > before
