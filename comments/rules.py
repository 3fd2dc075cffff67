"""The discussion rules as a value: what an editor can set, with its defaults.

The editor's copy is one row of `DiscussionSettings` (comments/models/discussion_settings.py),
whose field defaults come from here; `current_rules()` there reads it, cached. Everything
that decides about a comment takes a `DiscussionRules`, so that a test can hand it any rules.
"""

from dataclasses import dataclass

NEWEST_FIRST = "newest"
OLDEST_FIRST = "oldest"

# What becomes of a reader's comments when their account is erased (comments/erasure.py).
ANONYMISE = "anonymise"
REMOVE = "remove"
FORMER_READER = "A former reader"


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
    # The only source of the thread depth: xtd's COMMENTS_XTD_MAX_THREAD_LEVEL is not set.
    thread_depth: int = 5
    top_level_per_page: int = 50
    order: str = OLDEST_FIRST
    # Reports from this many readers send an approved comment back to pending.
    report_threshold: int = 3
    # Moderators get at most one email per this many minutes, listing every comment held
    # since the last one (0: one email per held comment, at once).
    moderator_digest_minutes: int = 15
    # When a reader's account is erased, their comments stay with their text under
    # FORMER_READER (ANONYMISE), or go, text and all (REMOVE).
    erasure: str = ANONYMISE
    # An author may edit their comment for this many minutes after posting it (0: never).
    edit_window_minutes: int = 15

    @property
    def max_level(self):
        """The deepest `level` a comment may have (xtd counts a top-level comment as 0)."""
        return self.thread_depth - 1

    def page_of(self, threads_before):
        """The discussion page (from 1) of a thread with this many threads listed before it."""
        return threads_before // self.top_level_per_page + 1


def word_list(text):
    return tuple(line.strip().lower() for line in (text or "").splitlines() if line.strip())
