import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Development only: create a local superuser with a random password and print the "
        "login once, unless a superuser already exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username, **options):
        if not settings.DEBUG:
            raise CommandError("create_dev_admin only runs with DEBUG on; use createsuperuser.")
        user_model = get_user_model()
        if user_model.objects.filter(is_superuser=True).exists():
            return
        password = secrets.token_urlsafe(12)
        email = f"{username}@localhost"
        user = user_model.objects.create_superuser(
            username=username, email=email, password=password
        )
        # Verified, so that the account also logs in on the site (verification is mandatory).
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        self.stdout.write(
            self.style.SUCCESS(
                "Created a local admin account for /admin/ and the site (shown only this once):\n"
                f"    username: {username}\n    password: {password}"
            )
        )
