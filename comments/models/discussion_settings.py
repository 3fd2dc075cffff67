"""The discussion rules an editor sets, and the cached copy every part of the app reads.

`current_rules()` is what the app asks. The copy is cached under the settings number of the
content version's row (blog.models.ContentVersion, read once per request, which the page
needs anyway), and an editor's change (Discussion settings in the admin) moves that number
in its transaction. So the change applies to the very next request in every app process,
with no restart, even where each process has a cache of its own (local memory, without
Redis); and a comment, which moves the content's number, leaves the copy in place.
"""

from dataclasses import fields

from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction

from blog.models import ContentVersion

from ..rules import (
    ANONYMISE,
    FORMER_READER,
    NEWEST_FIRST,
    OLDEST_FIRST,
    REMOVE,
    DiscussionRules,
    word_list,
)

# v3: kept under the settings number, where v2 was under the content's (the same numbers
# would name other rules in a Redis an earlier release shared).
CACHE_KEY = "comments:discussion-rules:v3"
# A newer settings number makes an older copy unreachable; this only bounds its stay in memory.
RULES_CACHE_SECONDS = 60 * 60


class DiscussionSettings(models.Model):
    """The discussion rules an editor sets in the admin, as WordPress's Settings → Discussion.

    One row; its defaults are DiscussionRules' (comments/rules.py). Saving it moves the
    settings number, under which the rules are cached: the next request, in any app
    process, follows the new ones.
    """

    SINGLETON_PK = 1
    DEFAULTS = DiscussionRules()

    manual_approval = models.BooleanField(
        "Comments must be manually approved", default=DEFAULTS.manual_approval
    )
    approve_returning_authors = models.BooleanField(
        "Automatically approve authors with a previously approved comment",
        default=DEFAULTS.approve_returning_authors,
    )
    hold_links_at = models.PositiveSmallIntegerField(
        "Hold a comment with this many links or more",
        default=DEFAULTS.hold_links_at,
        help_text="0: links never hold a comment.",
    )
    moderation_words = models.TextField(
        "Hold comments containing",
        blank=True,
        help_text="One word or phrase per line, matched in the text, name, email and IP "
        "address. A match holds the comment for a moderator.",
    )
    disallowed_words = models.TextField(
        "Send to spam comments containing",
        blank=True,
        help_text="One word or phrase per line, matched like the list above. A match sends the "
        "comment straight to spam: it is never shown.",
    )
    flood_interval = models.PositiveIntegerField(
        "Seconds between two comments of one user", default=DEFAULTS.flood_interval
    )
    max_length = models.PositiveIntegerField(
        "Longest comment, in characters",
        default=DEFAULTS.max_length,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
    )
    close_after_days = models.PositiveIntegerField(
        "Close comments on articles older than this many days",
        null=True,
        blank=True,
        help_text="Empty: comments stay open.",
    )
    thread_depth = models.PositiveSmallIntegerField(
        "Thread depth",
        default=DEFAULTS.thread_depth,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="1: no replies; 5: a comment and four levels of replies.",
    )
    top_level_per_page = models.PositiveSmallIntegerField(
        "Top-level comments per page",
        default=DEFAULTS.top_level_per_page,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    order = models.CharField(
        "Threads shown",
        max_length=10,
        choices=[(OLDEST_FIRST, "Oldest first"), (NEWEST_FIRST, "Newest first")],
        default=DEFAULTS.order,
    )
    report_threshold = models.PositiveSmallIntegerField(
        "Reports that send a comment back to pending",
        default=DEFAULTS.report_threshold,
        validators=[MinValueValidator(1)],
    )
    moderator_digest_minutes = models.PositiveIntegerField(
        "Minutes between two emails to moderators",
        default=DEFAULTS.moderator_digest_minutes,
        validators=[MaxValueValidator(24 * 60)],
        help_text="Each moderator gets at most one email per this many minutes, listing every "
        "comment held since the last one. 0: one email per held comment, at once.",
    )
    erasure = models.CharField(
        "When a reader erases their account, their comments",
        max_length=10,
        choices=[
            (ANONYMISE, f"stay, with their text, signed “{FORMER_READER}”"),
            (REMOVE, "are removed, text and all"),
        ],
        default=DEFAULTS.erasure,
        help_text="Either way the reader's name, email, IP address and accounts go. Replies "
        "to a removed comment stay, under “This comment was removed.”",
    )
    edit_window_minutes = models.PositiveIntegerField(
        "Minutes an author may edit their comment",
        default=DEFAULTS.edit_window_minutes,
        validators=[MaxValueValidator(7 * 24 * 60)],
        help_text="Counted from the moment it was posted; each edit is kept as a revision and "
        "goes through the rules above again. 0: comments cannot be edited.",
    )

    class Meta:
        app_label = "comments"
        verbose_name = "discussion settings"
        verbose_name_plural = "discussion settings"

    def __str__(self):
        return "Discussion settings"

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK
        super().save(*args, **kwargs)
        # The copy under the number this request read, at once for this transaction and
        # again at commit (another process may have cached the old row in between). The
        # number's move is what every other process sees once it commits: the next request
        # reads the new number, finds no copy under it, and reads this row. Pages show the
        # rules' effects (depth, order, paging): the content's number moves too.
        forget_rules()
        transaction.on_commit(forget_rules)
        ContentVersion.settings_changed()

    @classmethod
    def load(cls):
        return cls.objects.get_or_create(pk=cls.SINGLETON_PK)[0]

    def as_rules(self):
        values = {}
        for field in fields(DiscussionRules):
            value = getattr(self, field.name)
            if field.name.endswith("_words"):
                value = word_list(value)
            values[field.name] = value
        return DiscussionRules(**values)


def current_rules():
    """The rules in force: the settings number (read with the content version, once per
    request), then this process's last copy, the cached copy, or the row when no copy is
    kept under that number.

    The rules under one number never change (a change moves it), so the last copy read is
    kept in this process too: a request asks the rules several times (the form, the policy,
    the comment's page), and each ask was a round trip to Redis."""
    key = rules_cache_key()
    last_key, rules = _last_read
    if key == last_key:
        return rules
    rules = cache.get(key)
    if rules is None:
        row = DiscussionSettings.objects.filter(pk=DiscussionSettings.SINGLETON_PK).first()
        rules = row.as_rules() if row is not None else DiscussionRules()
        cache.set(key, rules, RULES_CACHE_SECONDS)
    _last_read[:] = [key, rules]
    return rules


# [key, rules]: the copy current_rules() read last in this process.
_last_read = [None, None]


def forget_rules():
    """The copy under the number this request read (an editor's change, before its number
    moves for this request), here and in the cache."""
    forget_rules_read_here()
    cache.delete(rules_cache_key())


def forget_rules_read_here():
    """This process's last copy (and no other): for tests, whose rolled-back rows bring a
    number back to where another test's rules were read under it."""
    _last_read[:] = [None, None]


def rules_cache_key():
    return f"{CACHE_KEY}:{ContentVersion.of_this_request().settings_number}"
