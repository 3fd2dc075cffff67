import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wordpress.importer import KINDS, import_export
from wordpress.wxr import NotAnExport, read_export

BAR_WIDTH = 30


class Progress:
    """A bar redrawn in place on a terminal; elsewhere (a log, a pipe) one line per post."""

    def __init__(self, stdout, terminal):
        self.stdout = stdout
        self.terminal = terminal
        self.steps = self.done = self.posts = self.posts_done = 0
        self.drawn = None

    def start(self, steps, posts):
        self.steps, self.posts = max(steps, 1), posts

    def advance(self, steps=1, line=None):
        self.done += steps
        if line is not None:
            self.posts_done += 1
        if self.terminal:
            self.draw()
        elif line is not None:
            self.stdout.write(f"[{self.posts_done}/{self.posts}] {line}")

    def draw(self):
        filled = BAR_WIDTH * min(self.done, self.steps) // self.steps
        state = (filled, self.posts_done)
        if state == self.drawn:
            return
        self.drawn = state
        percent = 100 * min(self.done, self.steps) // self.steps
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stdout.write(
            f"\r[{bar}] {percent:3d}%  post {self.posts_done}/{self.posts}", ending=""
        )
        self.stdout.flush()

    def finish(self):
        if self.terminal and self.drawn is not None:
            self.stdout.write("")


class Command(BaseCommand):
    help = (
        "Import a WordPress export (WXR, from Tools → Export): authors, categories and tags, "
        "posts with their featured images, and threaded comments with their moderation "
        "states. One transaction; running it again on the same file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The WXR file WordPress exported.")
        parser.add_argument(
            "--media-dir",
            help="A copy of the site's uploads (wp-content/uploads): featured images are read "
            "from it. Without it, posts are imported without their images.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what the import would do, and write nothing.",
        )

    def handle(self, *args, file, media_dir, dry_run, verbosity, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        if media_dir and not Path(media_dir).is_dir():
            raise CommandError(f"--media-dir {media_dir} is not a folder.")
        started = time.perf_counter()
        try:
            export = read_export(path)
        except NotAnExport as error:
            raise CommandError(
                f"{path} cannot be imported: {error} Nothing was written."
            ) from error
        if verbosity:
            self.stdout.write(
                f"Importing {export.title or export.site} ({export.site}) from {path.name}"
                + (" — dry run, nothing will be written" if dry_run else "")
            )
        progress = Progress(self.stdout, terminal=self.stdout.isatty()) if verbosity else None
        try:
            report = import_export(export, media_dir=media_dir, dry_run=dry_run, progress=progress)
        finally:
            if progress is not None:
                progress.finish()
        if verbosity:
            self.write_report(report, time.perf_counter() - started)

    def write_report(self, report, seconds):
        for text in report.notes:
            self.stdout.write(text)
        for text in report.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {text}"))
        self.stdout.write("")
        created = "would create" if report.dry_run else "created"
        self.stdout.write(f"{'':<12} {created:>12} {'matched':>8} {'skipped':>8} {'warnings':>9}")
        for kind in KINDS:
            tally = report.tallies[kind]
            self.stdout.write(
                f"{kind:<12} {tally.created:>12} {tally.matched:>8} {tally.skipped:>8} "
                f"{tally.warnings:>9}"
            )
        self.stdout.write("")
        if report.dry_run:
            self.stdout.write(f"Dry run in {seconds:.1f} s: nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported in {seconds:.1f} s."))
