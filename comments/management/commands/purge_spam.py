"""`python manage.py purge_spam [--days N] [--dry-run]`: the one way comments are deleted.

A moderator's decision never deletes a comment (spam and removal only hide it, and can be
undone); this command is the explicit purge of old spam. Deleting the site's Comment
deletes its rows in all three tables of the inheritance (comments_comment,
django_comments_xtd_xtdcomment, django_comments), and with them the comment's moderation
events, reports and flags, which cascade.

A thread is held together by integers (thread_id, parent_id), not foreign keys: a spam
comment is purged only with every reply below it, so a spam comment with a reply that
stays is kept, and the command says so.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_comments_xtd.models import XtdComment

from comments.models import Comment

DEFAULT_DAYS = 30


@dataclass
class ThreadPurge:
    """What purging one thread deletes, keeps, and takes off its ancestors' reply counts."""

    deleted: list = field(default_factory=list)
    kept: list = field(default_factory=list)
    # {replies gone from below: [ids of the comments that had them]}
    fewer_replies: dict = field(default_factory=dict)


def plan_thread_purge(thread_id, cutoff):
    """Reads one thread and decides: spam older than `cutoff` goes, with its subtree, when
    every comment of that subtree goes too."""
    rows = list(
        Comment.objects.filter(thread_id=thread_id)
        .order_by("-level")
        .values("pk", "parent_id", "level", "is_spam", "submit_date")
    )
    parent_of = {row["pk"]: row["parent_id"] for row in rows if row["level"] > 0}
    children = defaultdict(list)
    for pk, parent_id in parent_of.items():
        children[parent_id].append(pk)
    plan = ThreadPurge()
    deleted = set()
    # Deepest first: a comment's replies are decided before the comment.
    for row in rows:
        if not (row["is_spam"] and row["submit_date"] < cutoff):
            continue
        if all(child in deleted for child in children[row["pk"]]):
            deleted.add(row["pk"])
        else:
            plan.kept.append(row["pk"])
    # nested_count counts every reply below a comment, whatever its state.
    fewer = defaultdict(int)
    for pk in deleted:
        ancestor = parent_of.get(pk)
        while ancestor is not None:
            if ancestor not in deleted:
                fewer[ancestor] += 1
            ancestor = parent_of.get(ancestor)
    by_amount = defaultdict(list)
    for ancestor, amount in fewer.items():
        by_amount[amount].append(ancestor)
    plan.deleted = sorted(deleted)
    plan.kept.sort()
    plan.fewer_replies = dict(by_amount)
    return plan


def purge_thread(thread_id, cutoff):
    """Deletes what the plan says, the thread's root locked first as every writer to a
    thread does (comments/models.py), so that the plan is read after any reply in progress."""
    with transaction.atomic():
        list(XtdComment.norel_objects.select_for_update().filter(pk=thread_id).values_list("pk"))
        plan = plan_thread_purge(thread_id, cutoff)
        for amount, ancestor_ids in plan.fewer_replies.items():
            XtdComment.norel_objects.filter(pk__in=ancestor_ids).update(
                nested_count=F("nested_count") - amount
            )
        if plan.deleted:
            # Multi-table inheritance: deleting the child deletes its parents' rows too.
            Comment.objects.filter(pk__in=plan.deleted).delete()
    return plan


class Command(BaseCommand):
    help = (
        "Delete comments marked as spam that were submitted more than --days days ago "
        f"(default {DEFAULT_DAYS}), with their moderation events and reports. A spam comment "
        "with a reply that is not purged with it is kept. --dry-run lists, deletes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_DAYS,
            help=f"Purge spam submitted more than this many days ago (default {DEFAULT_DAYS}).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted; delete nothing."
        )

    def handle(self, *args, days, dry_run, **options):
        if days < 1:
            raise CommandError("--days must be 1 or more: recent spam is kept for review.")
        cutoff = timezone.now() - timedelta(days=days)
        thread_ids = sorted(
            set(
                Comment.objects.filter(is_spam=True, submit_date__lt=cutoff).values_list(
                    "thread_id", flat=True
                )
            )
        )
        deleted, kept = [], []
        for thread_id in thread_ids:
            if dry_run:
                plan = plan_thread_purge(thread_id, cutoff)
            else:
                plan = purge_thread(thread_id, cutoff)
            deleted += plan.deleted
            kept += plan.kept
        self.report(deleted, kept, days, dry_run)

    def report(self, deleted, kept, days, dry_run):
        if dry_run:
            listed = Comment.objects.filter(pk__in=deleted).order_by("pk")
            for pk, submitted, name in listed.values_list("pk", "submit_date", "user_name"):
                self.stdout.write(
                    f"Would delete spam comment {pk}, submitted {submitted:%Y-%m-%d} "
                    f"by {name or 'Anonymous'}."
                )
        verb = "Would delete" if dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {count(len(deleted), 'spam comment')} submitted more than "
            f"{count(days, 'day')} ago."
        )
        if kept:
            ids = ", ".join(str(pk) for pk in kept)
            self.stdout.write(
                f"Kept {count(len(kept), 'spam comment')} with replies that stay: {ids}."
            )


def count(number, noun):
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
