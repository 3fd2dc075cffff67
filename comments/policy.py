"""The moderation policy: the one place that decides what happens to a new comment, and to
an author's edit of one (comments/services.py: edit_comment).

`ModerationPolicy(rules).decide(...)` returns a Decision — approve, hold, spam or refuse —
with its reasons in plain words ("first comment", "2 links", "word: casino"). The posting
service (comments/services.py) applies it and the comment records the reasons. Nothing else
in the code decides a new comment's fate; a moderator's later decisions are the services'
DECISIONS.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from .models import Comment, Commenter, current_rules
from .moderators import is_moderator

APPROVE = "approve"
HOLD = "hold"
SPAM = "spam"
REFUSE = "refuse"

# What counts as a link: what urlize would turn into one, roughly — a scheme or "www.".
LINK = re.compile(r"(?:https?://|ftp://|www\.)\S+", re.IGNORECASE)


BANNED_MESSAGE = "Your account may not post comments on this site."


@dataclass(frozen=True)
class Decision:
    action: str
    reasons: tuple = field(default=())
    # For a refusal: what the reader is told.
    message: str = ""

    @property
    def is_public(self):
        return self.action == APPROVE


def comments_open(article, rules=None, now=None):
    """The article takes comments: published, allowed, before its closing date, and not
    older than the rules' close_after_days."""
    rules = rules or current_rules()
    if not article.accepts_comments():
        return False
    if rules.close_after_days is not None:
        now = now or timezone.now()
        return article.published_at > now - timedelta(days=rules.close_after_days)
    return True


def closed_message(article):
    if not article.is_published():
        return "This article is not published, so it takes no comments."
    return "Comments are closed on this article."


class ModerationPolicy:
    def __init__(self, rules=None):
        self.rules = rules or current_rules()

    def gate(self, *, article, user, standing=None):
        """A refusal that needs no comment to decide (banned, closed), or None."""
        standing = standing or Commenter.standing_of(user)
        if standing == Commenter.Standing.BANNED:
            return Decision(REFUSE, ("banned",), BANNED_MESSAGE)
        if not comments_open(article, self.rules):
            return Decision(REFUSE, ("closed",), closed_message(article))
        return None

    def decide(
        self,
        *,
        article,
        user,
        text,
        user_name="",
        user_email="",
        ip_address="",
        editing=False,
        standing=None,
    ):
        """`editing`: the text is an edit of a comment already posted, which the flood rule
        does not limit (it counts new comments); every other rule applies to it again.
        `standing`: the author's, when the caller has read it already."""
        rules = self.rules
        standing = standing or Commenter.standing_of(user)
        refusal = self.gate(article=article, user=user, standing=standing)
        if refusal is not None:
            return refusal
        if rules.flood_interval and user.is_authenticated and not editing:
            since = timezone.now() - timedelta(seconds=rules.flood_interval)
            if Comment.objects.filter(user=user, submit_date__gt=since).exists():
                return Decision(
                    REFUSE,
                    ("flood",),
                    f"You are commenting too fast: wait {rules.flood_interval} seconds "
                    "between two comments, then send it again.",
                )
        if len(text) > rules.max_length:
            return Decision(
                REFUSE, ("too long",), f"A comment holds at most {rules.max_length} characters."
            )

        haystacks = [text.lower(), user_name.lower(), user_email.lower(), str(ip_address or "")]
        disallowed = matching_words(rules.disallowed_words, haystacks)
        if disallowed:
            return Decision(SPAM, tuple(f"disallowed word: {word}" for word in disallowed))
        if standing == Commenter.Standing.TRUSTED:
            return Decision(APPROVE, ("trusted commenter",))

        reasons = [f"word: {word}" for word in matching_words(rules.moderation_words, haystacks)]
        links = len(LINK.findall(text))
        if rules.hold_links_at and links >= rules.hold_links_at:
            reasons.append(f"{links} links")
        if rules.manual_approval:
            returning = (
                rules.approve_returning_authors
                and user.is_authenticated
                and Comment.objects.filter(user=user).public().exists()
            )
            if not returning:
                reasons.append(
                    "first comment" if rules.approve_returning_authors else "manual approval"
                )
        if reasons and is_moderator(user):
            # Holding a moderator's comment would only ask them to approve it themselves.
            # Asked last, only of a comment the rules would hold: it costs a query, which
            # most comments then never run.
            return Decision(APPROVE, ("moderator",))
        if reasons:
            return Decision(HOLD, tuple(reasons))
        return Decision(APPROVE, ())


def decide_for(comment, article, policy=None, standing=None):
    """The policy's decision about an unsaved comment."""
    return (policy or ModerationPolicy()).decide(
        article=article,
        user=comment.user,
        text=comment.comment,
        user_name=comment.user_name,
        user_email=comment.user_email,
        ip_address=comment.ip_address,
        standing=standing,
    )


def matching_words(words, haystacks):
    """The listed words or phrases found in any of the haystacks (whole words only)."""
    found = []
    for word in words:
        pattern = re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)
        if any(pattern.search(haystack) for haystack in haystacks):
            found.append(word)
    return found
