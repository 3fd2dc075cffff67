"""The discussion rules: one object, defaults in code, editable in the admin.

`current_rules()` is what every part of the comments app asks. An editor's change
(Discussion settings in the admin) is saved to one row and clears the cached copy, so it
applies to the next comment in every app process, with no restart.
"""

from dataclasses import dataclass, fields

from django.core.cache import cache

NEWEST_FIRST = "newest"
OLDEST_FIRST = "oldest"
CACHE_KEY = "comments:discussion-rules:v1"


@dataclass(frozen=True)
class DiscussionRules:
    # Hold every comment for a moderator...
    manual_approval: bool = True
    # ...except from an author who already has an approved comment.
    approve_returning_authors: bool = True
    # Hold a comment with this many links or more (0: never for links).
    hold_links_at: int = 2
    # One word or phrase per line, matched in the text, name, email and IP address.
    moderation_words: tuple = ()
    disallowed_words: tuple = ()
    # Seconds one user must wait between two comments.
    flood_interval: int = 15
    max_length: int = 5000
    # Comments close on articles older than this many days (None: never).
    close_after_days: int | None = None
    # Depth as WordPress counts it: 5 means a top-level comment and four levels of replies.
    thread_depth: int = 5
    top_level_per_page: int = 50
    order: str = OLDEST_FIRST
    # Reports from this many readers send an approved comment back to pending.
    report_threshold: int = 3

    @property
    def max_level(self):
        """The deepest `level` a comment may have (xtd counts a top-level comment as 0)."""
        return self.thread_depth - 1


def rules_from(settings_row):
    values = {}
    for field in fields(DiscussionRules):
        value = getattr(settings_row, field.name)
        if field.name.endswith("_words"):
            value = word_list(value)
        values[field.name] = value
    return DiscussionRules(**values)


def word_list(text):
    return tuple(line.strip().lower() for line in (text or "").splitlines() if line.strip())


def current_rules():
    rules = cache.get(CACHE_KEY)
    if rules is None:
        from .models import DiscussionSettings

        row = DiscussionSettings.objects.filter(pk=DiscussionSettings.SINGLETON_PK).first()
        rules = rules_from(row) if row is not None else DiscussionRules()
        cache.set(CACHE_KEY, rules, None)
    return rules


def forget_rules():
    cache.delete(CACHE_KEY)
