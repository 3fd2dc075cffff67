"""Posting, replying, editing and deleting one's own comment, reporting, moderating and
muting. Each view hands the request to a service (comments/services.py) or a query, and
turns what it answers into a response.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blog.models import Article, Section

from . import notifications, services
from .discussion import leave_a_reply
from .forms import CommentEditForm
from .models import Comment
from .moderators import is_moderator

RESPOND = "#respond"


@require_POST
def post_comment(request, article_pk):
    article = get_object_or_404(Article, pk=article_pk)
    outcome = services.post_comment(
        article, request.user, request.POST, request.META.get("REMOTE_ADDR")
    )
    if outcome.result is services.Result.LOGIN_REQUIRED:
        # xtd answers a bare 400; a reader who was logged out is sent to log in instead.
        return redirect_to_login(article.get_absolute_url() + RESPOND)
    if outcome.result is services.Result.REFUSED:
        # The form back with the reader's text and the reason it was not posted.
        response = render(
            request,
            "comments/refused.html",
            {
                "article": article,
                "form": outcome.form,
                "reason": outcome.reason,
                "parent": outcome.parent,
            },
            status=outcome.status,
        )
        if outcome.retry_after is not None:
            response["Retry-After"] = str(outcome.retry_after)
        return response
    if outcome.message:
        messages.info(request, outcome.message)
    return redirect(outcome.comment.url_for(request.user, article))


@require_GET
def reply(request, pk):
    """The reply form on a page of its own, for readers without JavaScript."""
    parent = get_object_or_404(Comment.objects.public(), pk=pk)
    article = get_object_or_404(Article.objects.published(), pk=parent.article_pk)
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


def own_comment_page(request, pk):
    """The comment an author's page is about, and its article: a comment the viewer may not
    see is not found, whoever asks (their own removed one included)."""
    comment = get_object_or_404(Comment.objects.visible_to(request.user), pk=pk)
    article = get_object_or_404(Article.objects.published(), pk=comment.article_pk)
    return comment, article


@require_http_methods(["GET", "POST"])
def edit(request, pk):
    """An author's edit of their comment, on a page of its own (no JavaScript needed): GET
    shows the text in a form, POST saves it through services.edit_comment()."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    comment, article = own_comment_page(request, pk)
    if request.method == "POST":
        outcome = services.edit_comment(comment, request.user, request.POST.get("comment", ""))
        if outcome.result is services.Result.EDITED:
            if outcome.message:
                messages.info(request, outcome.message)
            return redirect(comment.url_for(request.user))
        form, reason, status = outcome.form, outcome.reason, outcome.status
    else:
        reason = services.edit_refusal(comment, article, request.user) or ""
        form = CommentEditForm(initial={"comment": comment.comment})
        status = 403 if reason else 200
    return render(
        request,
        "comments/edit.html",
        {
            "article": article,
            "comment": comment,
            "form": form if status != 403 else None,
            "reason": reason,
            "deadline": comment.edit_deadline(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def delete(request, pk):
    """An author deletes their comment: GET asks to confirm, POST deletes through
    services.delete_own_comment()."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    comment, article = own_comment_page(request, pk)
    if request.method == "POST":
        outcome = services.delete_own_comment(comment, request.user)
        if outcome.result is services.Result.DELETED:
            messages.success(request, outcome.message)
            if outcome.comment is None:
                return redirect(article.get_absolute_url() + "#comments")
            return redirect(outcome.comment.url_for(request.user))
        reason, status = outcome.reason, outcome.status
    else:
        reason = comment.deletion_refusal(request.user) or ""
        status = 403 if reason else 200
    return render(
        request,
        "comments/delete.html",
        {
            "article": article,
            "comment": comment,
            "reason": reason,
            "has_replies": comment.nested_count > 0,
        },
        status=status,
    )


@require_GET
def discuss_section(request, section_pk):
    """ "Discuss this motive" on a page of its own, for readers without JavaScript: the
    Leave a Reply form tied to one motive section of a published article."""
    section = get_object_or_404(
        Section.objects.filter(motives__isnull=False).distinct().select_related("article"),
        pk=section_pk,
        article__in=Article.objects.published(),
    )
    return render(
        request,
        "comments/discuss_section.html",
        {
            "article": section.article,
            "section": section,
            "motives": section.motives.all(),
            "next_url": request.get_full_path(),
            **leave_a_reply(section.article, request.user, section=section),
        },
    )


@require_GET
def comment_permalink(request, pk):
    """A comment's address: its place on its article, for whoever may see it."""
    comment = get_object_or_404(Comment.objects.visible_to(request.user), pk=pk)
    if not Article.objects.published().filter(pk=comment.article_pk).exists():
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
    elif services.report_comment(comment, request.user):
        messages.success(request, "Thank you: the moderators will look at this comment.")
    else:
        messages.info(request, "You have already reported this comment.")
    return redirect(comment.url_for(request.user))


@require_POST
def moderate(request, pk):
    """A moderator's decision from the article page: the same table as the admin queue."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not is_moderator(request.user):
        raise PermissionDenied("Only moderators may moderate comments.")
    comment = get_object_or_404(Comment, pk=pk)
    decision = services.DECISIONS.get(request.POST.get("action"))
    if decision is None:
        return HttpResponseBadRequest("Unknown moderation action.")
    decision.apply(comment, by=request.user)
    messages.success(request, f"Comment {comment.pk}: {comment.get_state_display()}.")
    return redirect(comment.url_for(request.user))
