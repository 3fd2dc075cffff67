"""Site-wide error views that say what happened in plain words."""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.views import defaults

from blog.context_processors import site

logger = logging.getLogger(__name__)

# What PostgreSQL stopped, restarting or unreachable raises (and SQLite's lock timeout):
# errors of the database being away, not of the request.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# Seconds a reader or a crawler is asked to wait before trying again.
DATABASE_RETRY_AFTER_SECONDS = 30


def csrf_failure(request, reason=""):
    """A form refused for its missing or stale CSRF token: say so, and give back what was typed
    (a comment's text, in particular, is never lost)."""
    return render(
        request,
        "403_csrf.html",
        {"typed_text": request.POST.get("comment", "") if request.method == "POST" else ""},
        status=403,
    )


def database_unavailable(request, error):
    """503 in the site's layout, with Retry-After, logged as one warning line.

    Rendered without context processors: the session, the user or the messages would each
    ask the database that just failed. The site's names and the canonical link need none.
    """
    logger.warning(
        "Database unavailable for %s %s (%s: %s); answered 503",
        request.method,
        request.path,
        type(error).__name__,
        str(error).strip().splitlines()[0] if str(error).strip() else "",
    )
    context = {**site(request), "request": request, "messages": ()}
    response = HttpResponse(loader.render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    # Logged above, as a warning without a traceback: Django's request logger would log the
    # 5xx again as an error.
    response._has_been_logged = True
    return response


def server_error(request):
    """handler500: a database error raised outside a view (in a middleware) still gets the
    503 page; anything else gets Django's own 500 page (templates/500.html)."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        return database_unavailable(request, error)
    return defaults.server_error(request)
