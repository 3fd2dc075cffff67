"""Posting, replying and muting. The rules live in the form, the model and the moderator;
these views only route a request to them and answer in plain words.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_comments.signals import comment_was_posted

from blog.models import Article

from . import notifications
from .forms import CommentForm, leave_a_reply
from .models import MODERATOR_DECISIONS, Comment, ReplyRefused, is_moderator
from .policy import REFUSE, ModerationPolicy, decide_for

RESPOND = "#respond"


def refuse(request, article, form, reason, status=400, parent=None):
    """The form back with the reader's text and the reason it was not posted."""
    return render(
        request,
        "comments/refused.html",
        {"article": article, "form": form, "reason": reason, "parent": parent},
        status=status,
    )


@require_POST
def post_comment(request, article_pk):
    article = get_object_or_404(Article, pk=article_pk)
    if not request.user.is_authenticated:
        # xtd answers a bare 400; a reader who was logged out is sent to log in instead.
        return redirect_to_login(article.get_absolute_url() + RESPOND)
    form = CommentForm(article, data=request.POST, user=request.user)
    parent = replied_comment(article, request.POST.get("reply_to"))
    policy = ModerationPolicy()
    gate = policy.gate(article=article, user=request.user)
    if gate is not None:
        return refuse(request, article, form, gate.message, status=403, parent=parent)
    if not form.is_valid():
        if form.is_stale():
            # Re-signed so that the reader can send the same text again at once.
            message = next(iter(form.errors.as_data().values()))[0].messages[0]
            return refuse(request, article, form.refresh_security_data(), message, parent=parent)
        return refuse(request, article, form, "Your comment was not posted:", parent=parent)

    comment = form.get_comment_object()
    comment.ip_address = request.META.get("REMOTE_ADDR") or None
    earlier = Comment.objects.filter(submission_key=comment.submission_key).first()
    if earlier is not None:
        return redirect(earlier.get_absolute_url())
    decision = decide_for(comment, article, policy)
    if decision.action == REFUSE:
        status = 429 if "flood" in decision.reasons else 400
        return refuse(request, article, form, decision.message, status=status, parent=parent)
    try:
        comment.save_as_decided(decision)
    except ReplyRefused as refusal:
        return refuse(request, article, form, refusal.messages[0], parent=parent)
    except IntegrityError:
        # The same form, posted twice at once: the other request stored it.
        earlier = Comment.objects.filter(submission_key=comment.submission_key).first()
        if earlier is None:
            raise
        return redirect(earlier.get_absolute_url())
    comment_was_posted.send(sender=Comment, comment=comment, request=request)
    if not comment.is_public:
        # Spam is told the same as a held comment: nothing tips a spammer off.
        messages.info(request, "Thank you. Your comment is awaiting moderation.")
    return redirect(comment.get_absolute_url())


def replied_comment(article, reply_to):
    """The public comment a refused reply answered, to show it again with the form."""
    if not str(reply_to or "").isdigit():
        return None
    return Comment.objects.for_article(article).public().filter(pk=int(reply_to)).first()


@require_GET
def reply(request, pk):
    """The reply form on a page of its own, for readers without JavaScript."""
    parent = get_object_or_404(Comment.objects.public(), pk=pk)
    article = get_object_or_404(Article.objects.published(), pk=parent.article_id)
    return render(
        request,
        "comments/reply.html",
        {
            "article": article,
            "parent": parent,
            "next_url": request.get_full_path(),
            **leave_a_reply(article, request.user, parent=parent),
        },
    )


@require_GET
def comment_permalink(request, pk):
    """A comment's address: its place on its article, for whoever may see it."""
    comment = get_object_or_404(Comment.objects.visible_to(request.user), pk=pk)
    if not Article.objects.published().filter(pk=comment.article_id).exists():
        raise Http404
    return redirect(comment.url_for(request.user))


# The signed token is the authority, not a session: a mail client's one-click
# unsubscribe (RFC 8058) POSTs without a CSRF token.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def mute(request, token):
    """Stop follow-up emails for one article: the link shows a page, a POST mutes."""
    try:
        article_id, email = notifications.read_mute_token(token)
    except signing.BadSignature:
        return render(request, "comments/mute_invalid.html", status=400)
    article = get_object_or_404(Article, pk=article_id)
    if request.method == "POST":
        Comment.objects.for_article(article).filter(user_email__iexact=email).update(followup=False)
        return render(request, "comments/muted.html", {"article": article, "email": email})
    return render(request, "comments/mute.html", {"article": article, "email": email})


@require_POST
def report(request, pk):
    """A logged-in reader reports a public comment, once."""
    comment = get_object_or_404(Comment.objects.public(), pk=pk)
    if not request.user.is_authenticated:
        return redirect_to_login(comment.url_for(None))
    if comment.user_id == request.user.pk:
        messages.error(request, "You cannot report your own comment.")
    elif comment.report(request.user):
        messages.success(request, "Thank you: the moderators will look at this comment.")
    else:
        messages.info(request, "You have already reported this comment.")
    return redirect(comment.url_for(request.user))


@require_POST
def moderate(request, pk):
    """A moderator's decision from the article page: the same methods as the admin queue."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_moderator(request.user):
        raise PermissionDenied("Only moderators may moderate comments.")
    comment = get_object_or_404(Comment, pk=pk)
    action = MODERATOR_DECISIONS.get(request.POST.get("action"))
    if action is None:
        return HttpResponseBadRequest("Unknown moderation action.")
    action(comment, by=request.user)
    messages.success(request, f"Comment {comment.pk}: {comment.get_state_display()}.")
    return redirect(comment.url_for(request.user))
