"""The site's own cache of whole pages, for readers who are not logged in.

A page is kept when its view said it may be (`Cache-Control: public`, blog/caching.py), it
answered 200 to a GET, it sets no cookie, and the reader is not logged in. It is served
again to any request without a session or messages cookie, until anything on the site
changes: the key holds the content version (blog.models.ContentVersion), which every change
to an article, an image, a comment or the discussion rules bumps, so the next request
builds the page anew. No list of keys to purge, and no copy outlives a change.

`Cache-Control: no-cache` on a request (a browser's hard reload, a benchmark measuring the
rendered page) skips the cached copy and renders the page, which then replaces it.

While the database is away the content version cannot be read: the copy kept under the last
version this process read is served (`X-Page-Cache: stale`), and a page without one answers
503 (config.middleware.DatabaseUnavailableMiddleware).
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.utils.cache import cc_delim_re, get_conditional_response, set_response_etag
from django.utils.http import parse_http_date_safe

from blog.models import ContentVersion

# A new content version makes old copies unreachable; this only bounds their stay in memory.
PAGE_CACHE_SECONDS = 10 * 60
# Cookies that mean the page may be someone's own: a session (logged in, or a form in
# progress) or a message waiting to be shown.
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")


class AnonymousPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # The content version this process read last: while the database is away, the copies
        # kept under it are the newest this process knows.
        self.last_version = None

    def __call__(self, request):
        if not self.may_be_served_from_cache(request):
            return self.get_response(request)
        try:
            key = self.key(request)
        except DatabaseError:
            # The database is away: a copy kept before is better than an error page (as
            # stale-if-error); without one the page answers for itself, with a 503
            # (config.middleware.DatabaseUnavailableMiddleware).
            return self.kept_copy_while_database_is_away(request) or self.get_response(request)
        if not asks_for_fresh_copy(request):
            response = cache.get(key)
            if response is not None:
                response["X-Page-Cache"] = "hit"
                request.page_cache_kept = True
                return response
        response = self.get_response(request)
        if self.may_be_kept(request, response):
            request.page_cache_kept = True
            # Its ETag made once, here, rather than hashed again on every hit
            # (ConditionalGetMiddleware only makes one for a response that has none).
            set_response_etag(response)
            cache.set(key, response, PAGE_CACHE_SECONDS)
            response["X-Page-Cache"] = "miss"
        return response

    @staticmethod
    def may_be_served_from_cache(request):
        return request.method == "GET" and not any(
            name in request.COOKIES for name in PERSONAL_COOKIES
        )

    def key(self, request):
        # Read before the page is built: a copy of older content goes under an older number.
        version, _ = ContentVersion.for_request(request)
        self.last_version = version
        return self.key_under(version, request)

    @staticmethod
    def key_under(version, request):
        address = f"{request.get_host()}{request.get_full_path()}".encode()
        return f"page:{version}:{hashlib.sha256(address).hexdigest()}"

    def kept_copy_while_database_is_away(self, request):
        """The copy kept under the last content version this process read, unless the
        request asks for a fresh one. Nothing can change while the database is away, so it
        is at most as old as the last request this process answered before."""
        if self.last_version is None or asks_for_fresh_copy(request):
            return None
        response = cache.get(self.key_under(self.last_version, request))
        if response is not None:
            response["X-Page-Cache"] = "stale"
        return response

    @staticmethod
    def may_be_kept(request, response):
        user = getattr(request, "user", None)
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not (user is not None and user.is_authenticated)
            and "public" in cache_control_of(response)
        )


class FinishedPageCacheMiddleware:
    """The same pages once every layer below has finished them (compressed for a client that
    accepts gzip, with their Content-Security-Policy and Permissions-Policy), served before
    any of those layers runs again: a hit costs the content version's query and one cache
    read. Kept only what AnonymousPageCacheMiddleware kept; it sits right below
    SecurityMiddleware, which still redirects to HTTPS and adds its headers to every hit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.path.startswith(settings.STATIC_URL)
            or not AnonymousPageCacheMiddleware.may_be_served_from_cache(request)
            or asks_for_fresh_copy(request)
        ):
            # Static files are WhiteNoise's, below: no content version to read for them.
            return self.get_response(request)
        try:
            version, _ = ContentVersion.for_request(request)
        except DatabaseError:
            return self.get_response(request)
        gzip = "gzip" in request.headers.get("Accept-Encoding", "")
        key = f"finished:{int(gzip)}:{AnonymousPageCacheMiddleware.key_under(version, request)}"
        response = cache.get(key)
        if response is not None:
            response["X-Page-Cache"] = "hit"
            return get_conditional_response(
                request,
                etag=response.get("ETag"),
                last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
                response=response,
            )
        response = self.get_response(request)
        if (
            getattr(request, "page_cache_kept", False)
            and response.status_code == 200
            and not response.cookies
        ):
            cache.set(key, response, PAGE_CACHE_SECONDS)
        return response


def asks_for_fresh_copy(request):
    return "no-cache" in cache_control_of_header(request.headers.get("Cache-Control", ""))


def cache_control_of(response):
    return cache_control_of_header(response.get("Cache-Control", ""))


def cache_control_of_header(value):
    return {part.split("=", 1)[0].strip().lower() for part in cc_delim_re.split(value) if part}
