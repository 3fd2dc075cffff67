"""Erasing a reader's account, at their request: from their account page, or by staff in the
admin on a request received by mail. One transaction; afterwards no table holds the reader's
name, email addresses, IP addresses, social accounts or sessions.

What becomes of each thing held about them:

- their comments stay with their text, signed FORMER_READER, or are removed, text and all,
  as the editor chose (DiscussionRules.erasure). Either way the comment rows stay, emptied of
  the person (name, email, URL, IP, follow-up, account): threads keep their shape, replies
  to a removed comment stay under its placeholder, and each comment's audit trail stays,
  with one more event saying it was erased;
- the moderation audit trail keeps every event about them or by them, with the person
  replaced by the tombstone (`former_reader()`), and one more event records the erasure
  itself, by the staff member who did it or by the tombstone for the reader's own;
- their reports, their standing as a commenter, their email addresses, social accounts
  and tokens, and their sessions are deleted, and so is their user row;
- free text that might name them (the reasons of moderation events, the admin's log, the
  arguments of queued and finished emails) is scrubbed or deleted wherever it does.

The tombstone is one inactive user, "former reader", shared by every erased reader: the
trail's foreign keys stay non-null and mean what they meant ("about a person", "by a
person"), nothing tells two erased readers apart, and the user table does not grow with
each erasure. Its username has a space, which no signup allows, so no real account can
ever be it. Reports are deleted rather than handed to it: one person reports a comment
once, and the tombstone stands for many.

Staff accounts are not erased here: they may author articles and hold the admin's
history; another administrator first takes away their staff status.
"""

import json
import re

from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django_tasks_db.models import DBTaskResult

from blog.models import ContentVersion

from .models import (
    Comment,
    Commenter,
    CommentRevision,
    ModerationEvent,
    Report,
    current_rules,
    refresh_comment_count,
)
from .rules import FORMER_READER, REMOVE

TOMBSTONE_USERNAME = "former reader"
ERASED = "(erased)"
ON_THE_SITE = "requested by the reader on the site"
BY_MAIL = "requested by the reader by mail"


class ErasureRefused(Exception):
    """An account this service does not erase (staff); nothing was changed."""


def former_reader():
    """The tombstone that stands for every erased reader in the audit trail."""
    user, created = get_user_model().objects.get_or_create(
        username=TOMBSTONE_USERNAME,
        defaults={"is_active": False, "first_name": "", "last_name": "", "email": ""},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_tombstone(user):
    return user.get_username() == TOMBSTONE_USERNAME


def refusal(user):
    """Why this account may not be erased here, or "" when it may."""
    if is_tombstone(user):
        return "This is the tombstone of erased readers."
    if user.is_staff or user.is_superuser:
        return (
            "Staff accounts are not erased here: another administrator first takes away "
            "the staff status."
        )
    if user.articles.exists():
        return "This account is the author of articles: they are given to another author first."
    return ""


def identifiers_of(user, comments):
    """What would name the reader in free text: their username, names, email addresses,
    and the names and addresses their comments carried."""
    found = {user.get_username(), user.get_full_name(), user.email}
    found.update(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    for comment in comments:
        found.update([comment.user_name, comment.user_email, comment.user_url, comment.ip_address])
    return sorted({value.strip() for value in found if value and value.strip()}, key=str.lower)


def naming_pattern(identifiers):
    """Any identifier as a whole word: a username "al" names nobody in "approval", an IP
    address 10.0.0.1 nobody at 10.0.0.12."""
    alternatives = "|".join(re.escape(identifier) for identifier in identifiers)
    return re.compile(rf"(?<![\w.@-])(?:{alternatives})(?![\w.@-])", re.IGNORECASE)


def scrubbed(reasons, pattern):
    """Reasons (a policy's "word: …", a moderator's note) with any that names the reader
    replaced."""
    return [ERASED if pattern.search(str(reason)) else reason for reason in reasons]


def text_matching(field, identifiers):
    """Rows that may name the reader, found in SQL; `naming_pattern` then decides."""
    condition = Q()
    for identifier in identifiers:
        # JSON columns on SQLite keep non-ASCII letters escaped (\u00e9).
        for form in {identifier, json.dumps(identifier)[1:-1]}:
            condition |= Q(**{f"{field}__icontains": form})
    return condition


def as_text(*values):
    return " ".join(json.dumps(value, ensure_ascii=False) for value in values)


def erase_reader(user, by=None):
    """Erase `user` as the editor's rules say; `by` is the staff member acting on a request
    received by mail (None: the reader themselves). Answers the audit event recorded.
    Raises ErasureRefused for an account this does not erase."""
    reason = refusal(user)
    if reason:
        raise ErasureRefused(reason)
    remove = current_rules().erasure == REMOVE
    with transaction.atomic():
        tombstone = former_reader()
        actor = by or tombstone
        comments = list(Comment.objects.filter(user=user).select_for_update())
        identifiers = identifiers_of(user, comments)
        pattern = naming_pattern(identifiers)

        erase_comments(comments, pattern, remove, actor)
        keep_the_trail(user, comments, identifiers, pattern, tombstone)
        Report.objects.filter(reporter=user).delete()
        Commenter.objects.filter(user=user).delete()
        scrub_admin_log(identifiers, pattern)
        delete_task_results_naming(identifiers, pattern)
        delete_sessions_of(user)
        # The rest goes with the row: email addresses (and their confirmations), social
        # accounts and their tokens, groups, permissions, contrib-comments' flags.
        user.delete()

        summary = f"{len(comments)} comment{'' if len(comments) == 1 else 's'} " + (
            "removed" if remove else "anonymised"
        )
        return ModerationEvent.objects.create(
            commenter=tombstone,
            actor=actor,
            action=ModerationEvent.Action.ERASE,
            reasons=[BY_MAIL if by is not None else ON_THE_SITE, summary],
        )


def erase_comments(comments, pattern, remove, actor):
    if not comments:
        return
    ids = [comment.pk for comment in comments]
    approved = Comment.State.APPROVED
    public_on = {comment.article_pk for comment in comments if comment.state == approved}
    person_gone = {
        "user": None,
        "user_name": FORMER_READER,
        "user_email": "",
        "user_url": "",
        "ip_address": None,
        "followup": False,
        "submission_key": None,
    }
    if remove:
        person_gone.update(comment="", body_html="", is_removed=True)
        # The texts their edits replaced go with the text.
        CommentRevision.objects.filter(comment__in=ids).delete()
    # One UPDATE per table (contrib-comments', xtd's, ours), whatever the number of comments.
    Comment.objects.filter(pk__in=ids).update(**person_gone)
    for comment in comments:
        reasons = scrubbed(comment.moderation_reasons, pattern)
        if reasons != comment.moderation_reasons:
            Comment.objects.filter(pk=comment.pk).update(moderation_reasons=reasons)
    ModerationEvent.objects.bulk_create(
        ModerationEvent(
            comment_id=pk,
            actor=actor,
            action=ModerationEvent.Action.ERASE,
            reasons=["comment removed" if remove else "comment anonymised"],
        )
        for pk in ids
    )
    # .update() skips Comment.save(), which bumps the version the cached pages are filed under.
    ContentVersion.bump()
    if remove:
        for article_pk in sorted(public_on):
            refresh_comment_count(article_pk)


def keep_the_trail(user, comments, identifiers, pattern, tombstone):
    """Events about the reader or by them stay, with the tombstone in their place."""
    ModerationEvent.objects.filter(commenter=user).update(commenter=tombstone)
    ModerationEvent.objects.filter(actor=user).update(actor=tombstone)
    # Their edits' history stays (an anonymised comment keeps its text), edited by nobody.
    CommentRevision.objects.filter(editor=user).update(editor=tombstone)
    events = ModerationEvent.objects.filter(
        Q(commenter=tombstone) | Q(actor=tombstone) | Q(comment__in=[c.pk for c in comments])
    ).filter(text_matching("reasons", identifiers))
    for event in events:
        reasons = scrubbed(event.reasons, pattern)
        if reasons != event.reasons:
            ModerationEvent.objects.filter(pk=event.pk).update(reasons=reasons)


def scrub_admin_log(identifiers, pattern):
    """The admin's history names objects as they were (a comment's "name: text", a user's
    username) and what was changed."""
    entries = LogEntry.objects.filter(
        text_matching("object_repr", identifiers) | text_matching("change_message", identifiers)
    )
    for entry in entries:
        LogEntry.objects.filter(pk=entry.pk).update(
            object_repr=ERASED if pattern.search(entry.object_repr) else entry.object_repr,
            change_message=ERASED if pattern.search(entry.change_message) else entry.change_message,
        )


def delete_task_results_naming(identifiers, pattern):
    """Emails to the reader or about them, sent or still queued (their arguments hold the
    addresses and the text): the reader is not emailed again, and no log keeps them."""
    candidates = DBTaskResult.objects.filter(
        text_matching("args_kwargs", identifiers)
        | text_matching("return_value", identifiers)
        | text_matching("traceback", identifiers)
    )
    doomed = [
        result.pk
        for result in candidates
        if pattern.search(as_text(result.args_kwargs, result.return_value, result.traceback))
    ]
    DBTaskResult.objects.filter(pk__in=doomed).delete()


def delete_sessions_of(user):
    """Every session logged in as the user, wherever it is open. Sessions keep the user's id
    inside their signed data, so each is read; expired ones too (clearsessions may not
    have run), since they still hold it."""
    user_id = str(user.pk)
    doomed = [
        session.pk
        for session in Session.objects.iterator()
        if session.get_decoded().get("_auth_user_id") == user_id
    ]
    Session.objects.filter(pk__in=doomed).delete()
