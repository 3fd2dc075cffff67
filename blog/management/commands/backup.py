from django.core.management.base import BaseCommand, CommandError

from blog import backups


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite's backup API or pg_dump) and MEDIA_ROOT into one "
        ".tar.gz, by default var/backups/liaison-<UTC time>.tar.gz."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="where to write the archive")

    def handle(self, *args, output=None, **options):
        try:
            path = backups.backup(output or backups.default_path())
        except backups.BackupError as error:
            raise CommandError(error) from error
        self.stdout.write(self.style.SUCCESS(f"Backed up to {path}"))
