import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import Article
from comments.models import Comment, refresh_comment_count

COMMENT_COUNTS = (0, 10, 500)


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = (
        "The article page's queries and time with 0, 10 and 500 comments, for a reader and a "
        "logged-in commenter, inside a transaction that is rolled back."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=20)

    def handle(self, *args, repeat, **options):
        self.stdout.write(f"Discussion benchmark on {connection.vendor}, median of {repeat} runs")
        try:
            with transaction.atomic():
                self.run(repeat)
                raise Rollback
        except Rollback:
            pass

    def run(self, repeat):
        author = get_user_model().objects.create_user("bench-author", "bench@localhost")
        reader = get_user_model().objects.create_user("bench-reader", "reader@localhost")
        self.stdout.write(f"{'comments':>8}  {'reader':<10}  {'queries':>7}  {'median ms':>9}")
        for count in COMMENT_COUNTS:
            article = Article.objects.create(
                title=f"Benchmark {count}",
                slug=f"bench-discussion-{count}",
                author=author,
                published_at=timezone.now(),
            )
            started = time.perf_counter()
            self.add_comments(article, count, reader)
            if count:
                per_comment = (time.perf_counter() - started) / count * 1000
                self.stdout.write(f"  (saved {count} comments, {per_comment:.1f} ms each)")
            for label, user in (("anonymous", None), ("logged in", reader)):
                client = Client(HTTP_HOST="127.0.0.1")
                if user is not None:
                    client.force_login(user)
                url = article.get_absolute_url()
                client.get(url)  # warms per-process caches
                timings = []
                for _ in range(repeat):
                    with CaptureQueriesContext(connection) as queries:
                        began = time.perf_counter()
                        status = client.get(url).status_code
                        timings.append((time.perf_counter() - began) * 1000)
                    assert status == 200, status
                median = statistics.median(timings)
                self.stdout.write(f"{count:>8}  {label:<10}  {len(queries):>7}  {median:>9.1f}")

    def add_comments(self, article, count, user):
        """Half top-level comments, half replies spread over them, through Comment.save()."""
        common = {
            "content_type": ContentType.objects.get_for_model(Article),
            "object_pk": str(article.pk),
            "site_id": settings.SITE_ID,
            "user": user,
            "user_name": "Bench Reader",
            "user_email": user.email,
        }
        roots = [
            Comment.objects.create(comment=f"Comment {n}", **common) for n in range(count // 2)
        ]
        for n in range(count - len(roots)):
            Comment.objects.create(
                comment=f"Reply {n}", parent_id=roots[n % len(roots)].pk, **common
            )
        refresh_comment_count(article.pk)
