"""Site-wide error views that say what happened in plain words."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A form refused for its missing or stale CSRF token: say so, and give back what was typed
    (a comment's text, in particular, is never lost)."""
    return render(
        request,
        "403_csrf.html",
        {"typed_text": request.POST.get("comment", "") if request.method == "POST" else ""},
        status=403,
    )
