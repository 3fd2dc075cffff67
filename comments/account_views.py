"""A reader's own data, from their account pages: the download (comments/data_export.py)
and the erasure (comments/erasure.py)."""

import json

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import erasure
from .data_export import reader_data
from .forms import ErasureForm
from .models import current_rules
from .rules import FORMER_READER, REMOVE


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def your_data(request):
    """GET: what Liaison holds and what the reader can do with it. POST: all of it, as a
    JSON file."""
    if request.method == "POST":
        data = json.dumps(
            reader_data(request.user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2
        )
        response = HttpResponse(data, content_type="application/json; charset=utf-8")
        filename = f"liaison-data-{timezone.now():%Y-%m-%d}.json"
        response["Content-Disposition"] = content_disposition_header(True, filename)
        return response
    return render(request, "comments/account/data.html", erasure_context(request.user))


def erasure_context(user):
    return {
        "comments_removed": current_rules().erasure == REMOVE,
        "former_reader": FORMER_READER,
        "refusal": erasure.refusal(user),
    }


def without_password(request):
    return not request.user.has_usable_password()


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
# A social login has no password to re-enter: allauth's reauthentication (a code sent to
# the reader's verified address) asks them to prove it is them before the POST goes on.
@reauthentication_required(allow_get=True, enabled=without_password)
def erase_account(request):
    user = request.user
    form = ErasureForm(user, data=request.POST if request.method == "POST" else None)
    context = {"form": form, **erasure_context(user)}
    if request.method == "POST" and not context["refusal"] and form.is_valid():
        with transaction.atomic():
            # Logged out first: logging out reads the account that is about to go.
            logout(request)
            erasure.erase_reader(user)
        return redirect("account_erased")
    if request.method == "POST" and context["refusal"]:
        messages.error(request, context["refusal"])
    return render(request, "comments/account/erase.html", context)


@require_GET
def erased(request):
    return render(request, "comments/account/erased.html")
