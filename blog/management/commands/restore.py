import sys

from django.core.management.base import BaseCommand, CommandError

from blog import backups


class Command(BaseCommand):
    help = (
        "Replace the database and MEDIA_ROOT with a backup made by `backup`. A database that "
        "holds accounts or articles is only overwritten with --yes, or when you confirm."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="a .tar.gz written by `manage.py backup`")
        parser.add_argument(
            "--yes", action="store_true", help="overwrite a database that is not empty"
        )

    def handle(self, *args, archive, yes=False, **options):
        if not yes and backups.database_holds_content() and not self.confirmed():
            raise CommandError(
                "The database holds accounts or articles, which the restore would replace. "
                "Nothing was changed; run again with --yes to replace them."
            )
        try:
            backups.restore(archive)
        except (backups.BackupError, OSError) as error:
            raise CommandError(error) from error
        self.stdout.write(self.style.SUCCESS(f"Restored the database and uploads from {archive}"))

    def confirmed(self):
        if not sys.stdin.isatty():
            return False
        answer = input(
            "The database holds accounts or articles. Replace them, and the uploads, with the "
            "backup? Type 'yes' to go on: "
        )
        return answer.strip().lower() == "yes"
