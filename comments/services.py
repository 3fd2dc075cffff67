"""What readers and moderators do to comments, each as one function: posting, an author's
edit and deletion of their own comment, moderator decisions, reports. Views, the admin and
commands call these; the models below only keep state and its audit trail, and these
functions add what a change owes (emails, messages).
"""

import logging
from dataclasses import dataclass, field
from enum import Enum

from django.db import IntegrityError, OperationalError, transaction

from blog.models import Article

from . import notifications
from .forms import CommentEditForm, CommentForm
from .models import (
    Comment,
    Commenter,
    ModerationEvent,
    ReplyRefused,
    Report,
    current_rules,
    refresh_comment_count,
)
from .policy import APPROVE, HOLD, REFUSE, SPAM, ModerationPolicy, decide_for

# Posting ------------------------------------------------------------------------------

logger = logging.getLogger(__name__)

AWAITING_MODERATION = "Thank you. Your comment is awaiting moderation."
SITE_BUSY = "The site is busy: your comment was not posted. Your text is below: send it again."
# Seconds a reader is asked to wait before sending a comment the site was too busy to save.
BUSY_RETRY_AFTER_SECONDS = 5


class Result(Enum):
    LOGIN_REQUIRED = "login required"
    REFUSED = "refused"
    POSTED = "posted"
    # The same form was posted before (a double click, a resent request): nothing new.
    ALREADY_POSTED = "already posted"
    EDITED = "edited"
    DELETED = "deleted"


@dataclass(frozen=True)
class Outcome:
    """What became of a posted comment: what the view needs to answer, and no more."""

    result: Result
    comment: Comment | None = None
    # For a refusal: the form with the reader's text, why, and the HTTP status.
    form: CommentForm | CommentEditForm | None = None
    reason: str = ""
    status: int = 200
    parent: Comment | None = None
    # Seconds to wait before sending again (Retry-After), when the site was too busy.
    retry_after: int | None = None
    # For the reader, after a redirect.
    message: str = ""


def post_comment(article, user, data, ip_address):
    """A reader's comment on `article`, from the Leave a Reply form's `data`.

    The steps, in order: login, the gate (banned, closed), the form (including its age and
    signature), a duplicate of an earlier post, the policy's decision, the threaded save,
    a race with the same form posted at once, and what the reader is told.
    """
    if not user.is_authenticated:
        return Outcome(Result.LOGIN_REQUIRED)
    form = CommentForm(article, data=data, user=user)

    def refused(reason, status=400, shown_form=form, retry_after=None):
        return Outcome(
            Result.REFUSED,
            form=shown_form,
            reason=reason,
            status=status,
            # Read only for a refusal: a posted comment's reply needs no second look.
            parent=replied_comment(article, data.get("reply_to")),
            retry_after=retry_after,
        )

    policy = ModerationPolicy()
    # Read once: the gate below and the policy's decision both ask.
    standing = Commenter.standing_of(user)
    gate = policy.gate(article=article, user=user, standing=standing)
    if gate is not None:
        return refused(gate.message, status=403)
    if not form.is_valid():
        if form.is_stale():
            # Re-signed so that the reader can send the same text again at once.
            message = next(iter(form.errors.as_data().values()))[0].messages[0]
            return refused(message, shown_form=form.refresh_security_data())
        return refused("Your comment was not posted:")

    comment = form.get_comment_object()
    comment.ip_address = ip_address or None
    same_form = Comment.objects.filter(submission_key=comment.submission_key)
    # Asked with exists() first: one table and no row to build, where first() joins the
    # comment's three tables, for the rare resend.
    earlier = same_form.first() if same_form.exists() else None
    if earlier is not None:
        return Outcome(Result.ALREADY_POSTED, comment=earlier)
    decision = decide_for(comment, article, policy, standing=standing)
    if decision.action == REFUSE:
        return refused(decision.message, status=429 if "flood" in decision.reasons else 400)
    try:
        save_as_decided(comment, decision)
    except ReplyRefused as refusal:
        return refused(refusal.messages[0])
    except IntegrityError:
        # The same form, posted twice at once: the other request stored it.
        earlier = same_form.first()
        if earlier is None:
            raise
        return Outcome(Result.ALREADY_POSTED, comment=earlier)
    except OperationalError as error:
        # SQLite's write lock not had within the busy timeout, a PostgreSQL serialization
        # failure: the transaction was rolled back, nothing is stored, and the reader gets
        # the form back with the text rather than an error page.
        logger.warning("A comment could not be saved, the reader was told to resend: %s", error)
        return refused(SITE_BUSY, status=503, retry_after=BUSY_RETRY_AFTER_SECONDS)
    # Spam is told the same as a held comment: nothing tips a spammer off.
    return Outcome(
        Result.POSTED, comment=comment, message="" if comment.is_public else AWAITING_MODERATION
    )


def replied_comment(article, reply_to):
    """The public comment a refused reply answered, to show it again with the form."""
    if not str(reply_to or "").isdigit():
        return None
    return Comment.objects.for_article(article).public().filter(pk=int(reply_to)).first()


def save_as_decided(comment, decision):
    """Save a new comment in the state the policy decided; followers hear of a public one
    once the transaction commits, and a held one joins the moderators' next digest."""
    with transaction.atomic():
        comment.save_in_state(
            is_public=decision.is_public, is_spam=decision.action == SPAM, reasons=decision.reasons
        )
        if comment.is_public:
            notifications.notify_followers_on_commit(comment)
        elif decision.action == HOLD:
            notifications.add_to_moderator_digest(comment)


# An author's own comment ---------------------------------------------------------------

EDIT_AWAITING_MODERATION = "Your edit is saved. It is awaiting moderation."
UNCHANGED = "Your comment is unchanged."


def edit_refusal(comment, article, user, standing=None):
    """Why `user` may not edit `comment` on `article` now, or None when they may: only its
    author, within the editor's window, not once removed (Comment.edit_refusal), and past
    the gate every comment passes: not banned, comments still open. The edit page asks
    before it shows the form, and edit_comment() before it saves."""
    refusal = comment.edit_refusal(user)
    if refusal is None:
        gate = ModerationPolicy().gate(article=article, user=user, standing=standing)
        refusal = gate.message if gate is not None else None
    return refusal


def edit_comment(comment, user, text):
    """An author's new text for their comment, within the editor's window.

    The steps, in order: login, who may edit and until when (edit_refusal), the
    text's checks, then the moderation policy again, as for a new comment but without the
    flood rule: an edit can be approved, held (adding links, say, sends an approved comment
    back to pending) or sent to spam, and the event records why. The earlier text is kept
    as a revision. Followers are not emailed again: they heard of the comment when it
    appeared (and hear of a held one the edit makes public).
    """
    if not user.is_authenticated:
        return Outcome(Result.LOGIN_REQUIRED, comment=comment)
    form = CommentEditForm(data={"comment": text})

    def refused(reason, status=400):
        return Outcome(Result.REFUSED, comment=comment, form=form, reason=reason, status=status)

    article = Article.objects.get(pk=comment.article_pk)
    standing = Commenter.standing_of(user)
    refusal = edit_refusal(comment, article, user, standing)
    if refusal is not None:
        return refused(refusal, status=403)
    if not form.is_valid():
        return refused("Your comment was not changed:")
    text = form.cleaned_data["comment"]
    if text == comment.comment:
        return Outcome(Result.EDITED, comment=comment, message=UNCHANGED)
    decision = ModerationPolicy().decide(
        article=article,
        user=user,
        text=text,
        user_name=comment.user_name,
        user_email=comment.user_email,
        ip_address=comment.ip_address,
        editing=True,
        standing=standing,
    )
    if decision.action == REFUSE:
        return refused(decision.message, status=403 if decision.reasons[0] in GATED else 400)
    was_public = comment.state == Comment.State.APPROVED
    action, reasons = ModerationEvent.Action.EDITED, list(decision.reasons)
    if decision.action == SPAM:
        action = ModerationEvent.Action.EDIT_SPAM
    elif decision.action == HOLD:
        action = ModerationEvent.Action.EDIT_HELD if was_public else action
        reasons = ["held after an edit", *reasons]
    with transaction.atomic():
        comment.revise(
            text,
            user,
            is_public=decision.is_public,
            is_spam=decision.action == SPAM,
            action=action,
            reasons=reasons,
        )
        if decision.action == HOLD and was_public:
            notifications.add_to_moderator_digest(comment)
        elif decision.is_public and not was_public:
            # A held comment the edit made public (its links taken out, say): followers
            # hear of it now, for the first time.
            notifications.notify_followers_on_commit(comment)
    held = decision.action != APPROVE
    return Outcome(Result.EDITED, comment=comment, message=EDIT_AWAITING_MODERATION if held else "")


# The gate's refusals: not about the text, so the author may not try again.
GATED = ("banned", "closed")


def delete_own_comment(comment, user):
    """An author deletes their comment, at any time (Comment.deletion_refusal): with replies
    it stays as "This comment was removed by its author.", without it goes (Comment.withdraw).
    The answer's comment is the placeholder, or None when the comment is gone."""
    if not user.is_authenticated:
        return Outcome(Result.LOGIN_REQUIRED, comment=comment)
    refusal = comment.deletion_refusal(user)
    if refusal is not None:
        return Outcome(Result.REFUSED, comment=comment, reason=refusal, status=403)
    if comment.withdraw(by=user):
        return Outcome(
            Result.DELETED,
            comment=comment,
            message="Your comment was removed. Its replies stay, under a placeholder.",
        )
    return Outcome(Result.DELETED, message="Your comment was deleted.")


# Moderator decisions -----------------------------------------------------------------


@dataclass
class Owed:
    """What moderator decisions owe once taken: recounts and emails. One decision settles at
    once; a decision on many comments collects them and settles once, in its transaction:
    each article recounted once, one email task per kind for all the comments."""

    articles: set = field(default_factory=set)
    followers: list = field(default_factory=list)
    approved_authors: list = field(default_factory=list)

    def settle(self):
        for article_pk in sorted(self.articles):
            refresh_comment_count(article_pk)
        notifications.notify_followers_on_commit(*self.followers)
        notifications.notify_author_of_approval_on_commit(*self.approved_authors)


def record(comment, action, by, reasons, owed):
    """Record a decision; alone (owed None) recount at once, else leave it to `owed`."""
    changed = comment.record_decision(action, by, reasons, recount=owed is None)
    if changed and owed is not None:
        owed.articles.add(comment.article_pk)
    return changed


def approve(comment, by=None, reasons=(), owed=None):
    """Publish this comment alone (never its replies). Followers hear of it, and so does
    its author when a moderator first releases it from the queue; neither hears again of a
    comment that was public before its author's edit held it."""
    after_an_edit = comment.state == Comment.State.PENDING and comment.returns_from_an_edit()
    first_release = (
        by is not None
        and comment.state == Comment.State.PENDING
        and not after_an_edit
        and not comment.was_ever_approved()
    )
    changed = record(comment, ModerationEvent.Action.APPROVE, by, reasons, owed)
    if changed:
        settle_now = owed is None
        owed = owed or Owed()
        if not after_an_edit:
            owed.followers.append(comment)
        if first_release:
            owed.approved_authors.append(comment)
        if settle_now:
            owed.settle()
    return changed


def unapprove(comment, by=None, reasons=(), owed=None):
    """Back to pending: hidden until a moderator decides again."""
    return record(comment, ModerationEvent.Action.UNAPPROVE, by, reasons, owed)


def mark_spam(comment, by=None, reasons=(), owed=None):
    return record(comment, ModerationEvent.Action.SPAM, by, reasons, owed)


def remove(comment, by=None, reasons=(), owed=None):
    """Hidden; its approved replies stay, under a "This comment was removed." placeholder."""
    return record(comment, ModerationEvent.Action.REMOVE, by, reasons, owed)


def restore(comment, by=None, reasons=(), owed=None):
    """Undo spam or removal: the comment is again exactly what it was before. What its
    author took back is theirs: no moderator restores it."""
    if comment.removed_by_author:
        return False
    return record(comment, ModerationEvent.Action.RESTORE, by, reasons, owed)


def ban_author(comment, by=None):
    return comment.user_id is not None and Commenter.set_standing(
        comment.user, Commenter.Standing.BANNED, by=by
    )


def trust_author(comment, by=None):
    return comment.user_id is not None and Commenter.set_standing(
        comment.user, Commenter.Standing.TRUSTED, by=by
    )


@dataclass(frozen=True)
class ModeratorDecision:
    """One decision a moderator takes, wherever it is offered: the admin's bulk actions,
    the buttons on a comment's admin page and under it on the article, the moderate view."""

    name: str
    # The button's label, the bulk action's label, and what is done, for the message.
    button: str
    bulk_label: str
    done: str
    apply: object
    # The states in which a comment offers this decision as a button; none for a decision
    # about the comment's author, taken in bulk only.
    offered_in: tuple = ()

    @property
    def about_author(self):
        return self.apply in (ban_author, trust_author)

    @property
    def admin_action(self):
        return f"{self.name}_{'authors' if self.about_author else 'comments'}"


PENDING, APPROVED, SPAM_STATE, REMOVED = (
    Comment.State.PENDING,
    Comment.State.APPROVED,
    Comment.State.SPAM,
    Comment.State.REMOVED,
)

DECISIONS = {
    decision.name: decision
    for decision in [
        ModeratorDecision(
            "approve", "Approve", "Approve selected comments", "approved", approve, (PENDING,)
        ),
        ModeratorDecision(
            "unapprove",
            "Unapprove",
            "Unapprove selected comments",
            "returned to pending",
            unapprove,
            (APPROVED,),
        ),
        ModeratorDecision(
            "spam",
            "Mark as spam",
            "Mark selected comments as spam",
            "marked as spam",
            mark_spam,
            (PENDING, APPROVED, REMOVED),
        ),
        ModeratorDecision(
            "remove",
            "Remove",
            "Remove selected comments",
            "removed",
            remove,
            (PENDING, APPROVED, SPAM_STATE),
        ),
        ModeratorDecision(
            "restore",
            "Restore",
            "Restore selected comments",
            "restored",
            restore,
            (SPAM_STATE, REMOVED),
        ),
        ModeratorDecision(
            "ban", "Ban the author", "Ban the authors of selected comments", "banned", ban_author
        ),
        ModeratorDecision(
            "trust",
            "Trust the author",
            "Trust the authors of selected comments",
            "trusted",
            trust_author,
        ),
    ]
}


def decisions_for(comment):
    """The buttons a comment offers a moderator, in the table's order."""
    return [
        decision
        for decision in DECISIONS.values()
        if comment.state in decision.offered_in
        and not (decision.apply is restore and comment.removed_by_author)
    ]


def plural(count, singular, plural_form=None):
    return f"{count} {singular if count == 1 else plural_form or singular + 's'}"


def decide(decision, comments, moderator):
    """Apply one decision to each comment (or to each distinct author); a message for the
    moderator saying how many changed, and whether any did."""
    if decision.about_author:
        authors = {}
        for comment in comments:
            authors.setdefault(comment.user_id, comment)
        changed = sum(bool(decision.apply(comment, by=moderator)) for comment in authors.values())
        return f"{plural(changed, 'commenter')} {decision.done}.", True
    changed = unchanged = 0
    # One transaction: each article is recounted once at the end, and the emails are one
    # task per kind, enqueued on commit (500 comments approved at once stay one quick request).
    with transaction.atomic():
        owed = Owed()
        for comment in comments:
            if decision.apply(comment, by=moderator, owed=owed):
                changed += 1
            else:
                unchanged += 1
        owed.settle()
    message = f"{plural(changed, 'comment')} {decision.done}."
    if unchanged:
        message += f" {plural(unchanged, 'comment was', 'comments were')} already {decision.done}."
    return message, bool(changed)


# Reports ------------------------------------------------------------------------------


def report_comment(comment, reader):
    """A reader's report, once per reader. At the rules' threshold an approved comment
    goes back to pending, and moderators are told. True when the report is new."""
    with transaction.atomic():
        _, created = Report.objects.get_or_create(comment=comment, reporter=reader)
        if not created:
            return False
        reports = comment.reports.count()
        if comment.state == Comment.State.APPROVED and reports >= current_rules().report_threshold:
            comment.record_decision(ModerationEvent.Action.REPORTED, None, ["reported by readers"])
            notifications.notify_moderators_of_report_on_commit(comment)
    return True
