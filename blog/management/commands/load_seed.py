from django.core.management.base import BaseCommand

from blog.seed import load_all


class Command(BaseCommand):
    help = "Load the seed articles from blog/content/. Idempotent: existing articles are kept."

    def handle(self, *args, **options):
        for result in load_all():
            if result.created:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Loaded “{result.article}” at {result.article.get_absolute_url()}"
                    )
                )
            else:
                self.stdout.write(f"Already loaded, left as it is: “{result.article}”")
