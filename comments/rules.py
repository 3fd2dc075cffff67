"""The discussion rules: one object, defaults in code.

Every part of the comments app asks `current_rules()` rather than reading settings, so
that the rules can move into the database (editable in the admin) without touching the
code that applies them.
"""

from dataclasses import dataclass

NEWEST_FIRST = "newest"
OLDEST_FIRST = "oldest"


@dataclass(frozen=True)
class DiscussionRules:
    # Depth as WordPress counts it: 5 means a top-level comment and four levels of replies.
    thread_depth: int = 5
    max_length: int = 5000
    top_level_per_page: int = 50
    order: str = OLDEST_FIRST
    # Every new comment waits for a moderator until the moderation rules say otherwise.
    hold_new_comments: bool = True

    @property
    def max_level(self):
        """The deepest `level` a comment may have (xtd counts a top-level comment as 0)."""
        return self.thread_depth - 1


def current_rules():
    return DiscussionRules()
