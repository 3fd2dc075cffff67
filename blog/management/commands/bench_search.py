import random
import statistics
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from blog.models import Article, Section
from blog.search import attach_matches, search_articles, uses_full_text_search

TOPICAL_WORDS = [
    *("liaison", "office", "kaesong", "leaflets", "balloons", "defectors", "succession"),
    *("sanctions", "summit", "hanoi", "economy", "covid", "trade", "china", "border"),
    *("propaganda", "statement", "enemy", "party", "anniversary", "missile", "talks"),
]
# Most words of an article are not the ones readers search for: a filler vocabulary
# keeps matches at a realistic share of the articles instead of all of them.
FILLER_WORDS = [f"{a}{b}{c}" for a in "bdfgklmnprstv" for b in "aeiou" for c in "lmnrst"]
TOPICAL_SHARE = 0.03
QUERIES = ["leaflets", "kaesong office", '"liaison office"', "sanctions -covid", "zzzz"]


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = (
        "Time site search over generated articles inside a transaction that is rolled back: "
        "nothing is left in the database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=1000)
        parser.add_argument("--sections", type=int, default=6)
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument(
            "--topical-share",
            type=float,
            default=TOPICAL_SHARE,
            help="share of words drawn from the searched vocabulary (1.0: every article matches)",
        )

    def handle(self, *args, articles, sections, repeat, topical_share, **options):
        self.topical_share = topical_share
        engine = "PostgreSQL full-text" if uses_full_text_search() else "plain (SQLite)"
        self.stdout.write(
            f"Search benchmark: {engine}, {articles} articles × {sections} sections, "
            f"{topical_share:.0%} of words from the searched vocabulary"
        )
        try:
            with transaction.atomic():
                self.generate(articles, sections)
                if connection.vendor == "postgresql":
                    with connection.cursor() as cursor:
                        cursor.execute("ANALYZE blog_article; ANALYZE blog_section")
                for query in QUERIES:
                    self.time_query(query, repeat)
                raise Rollback
        except Rollback:
            pass

    def generate(self, count, sections_each):
        rng = random.Random(20200617)
        author, _ = get_user_model().objects.get_or_create(username="bench-author")
        now = timezone.now()

        def word():
            if rng.random() < self.topical_share:
                return rng.choice(TOPICAL_WORDS)
            return rng.choice(FILLER_WORDS)

        def text(words):
            return " ".join(word() for _ in range(words)).capitalize() + "."

        new_articles = Article.objects.bulk_create(
            Article(
                title=text(7),
                slug=f"bench-{index}",
                author=author,
                excerpt=text(25),
                published_at=now - timedelta(hours=index + 1),
            )
            for index in range(count)
        )
        Section.objects.bulk_create(
            Section(
                article=article,
                position=position,
                anchor=f"part-{position}",
                heading=text(4),
                body=text(120),
                body_html="",
            )
            for article in new_articles
            for position in range(1, sections_each + 1)
        )

    def time_query(self, query, repeat):
        timings, found = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            results = search_articles(query)
            found = results.count()
            attach_matches(list(results[:10]), query)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        p95 = timings[max(0, round(len(timings) * 0.95) - 1)]
        self.stdout.write(
            f"  {query!r:22} {found:5} found   median {statistics.median(timings):7.1f} ms"
            f"   p95 {p95:7.1f} ms   (count + first page + snippets, {repeat} runs)"
        )
