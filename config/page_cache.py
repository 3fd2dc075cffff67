"""The site's own cache of whole pages, for readers who are not logged in.

A page is kept when its view said it may be (`Cache-Control: public`, blog/caching.py), it
answered 200 to a GET, it sets no cookie, and the reader is not logged in. It is served
again to any request without a session or messages cookie, until anything on the site
changes: the key holds the content version (blog.models.ContentVersion), which every change
to an article, an image, a comment or the discussion rules bumps, so the next request
builds the page anew. No list of keys to purge, and no copy outlives a change.

`Cache-Control: no-cache` on a request (a browser's hard reload, a benchmark measuring the
rendered page) skips the cached copy and renders the page, which then replaces it.

Two layers: AnonymousPageCacheMiddleware, inside Django before sessions and users are
looked up, keeps and serves the pages as the view made them; FinishedPageCache, a WSGI
middleware around Django's handler (config/wsgi.py), serves the same pages as Django
finished them, headers on and compressed, before Django's handler runs at all.

While the database is away the content version cannot be read: the copy kept under the last
version this process read is served (`X-Page-Cache: stale`), and a page without one answers
503 (config.middleware.DatabaseUnavailableMiddleware).
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.db import DatabaseError
from django.http import HttpResponse
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
                response.kept_for_readers_not_logged_in = True
                return response
        response = self.get_response(request)
        if self.may_be_kept(request, response):
            response.kept_for_readers_not_logged_in = True
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
        version = ContentVersion.for_request(request).number
        self.last_version = version
        return self.key_under(version, request)

    @staticmethod
    def key_under(version, request):
        return f"page:{version}:{address_digest(request)}"

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


class FinishedPageCache:
    """WSGI middleware around Django's handler (config/wsgi.py): the pages
    AnonymousPageCacheMiddleware kept, as Django finished them (every middleware's headers
    on, compressed for a client that accepts gzip), served before Django's handler runs.

    A hit runs no request signals and no middleware. It costs one cache read and the content
    version's query, or, with a cache all processes share (Redis), one round trip to Redis
    for both the version and the page, and no query (ContentVersion.number_and_cached).
    Through gunicorn, in alternating runs with a static file (910-1,650 req/s), the cached
    article went from 1,070-1,480 req/s, served by a Django middleware right below
    SecurityMiddleware, to 1,500-2,270 here (SQLite). On PostgreSQL with Redis, reading the
    version from Redis with the page rather than from PostgreSQL took it from 1,555 to 2,049
    req/s, against 2,701-2,763 for the static file (2026-12-07).

    The request object is Django's own, so the host is checked against ALLOWED_HOSTS, the
    scheme read as SecurityMiddleware reads it (behind a TLS proxy, SECURE_PROXY_SSL_HEADER)
    and the conditional headers answered as ConditionalGetMiddleware would. The scheme is
    part of the key: a request SecurityMiddleware would redirect to HTTPS finds no copy and
    reaches it. Whatever the layer cannot answer (another method, a logged-in reader, a
    reload, a host not allowed, the database away, no copy) goes to Django unchanged, and a
    page Django kept is copied here on its way out. Django's test client does not come
    through here: tests of this layer call config.wsgi.application.
    """

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET":
            return self.application(environ, start_response)
        request = WSGIRequest(environ)
        if (
            request.path.startswith(settings.STATIC_URL)
            or not AnonymousPageCacheMiddleware.may_be_served_from_cache(request)
            or asks_for_fresh_copy(request)
        ):
            # Static files are WhiteNoise's: no content version to read for them.
            return self.application(environ, start_response)
        try:
            key = self.key(request)
            number, page, version = ContentVersion.number_and_cached(key)
        except (DatabaseError, DisallowedHost):
            # Django answers these: the copy kept while the database is away, a 400.
            return self.application(environ, start_response)
        if page is not None and page.content_version == number:
            return self.serve(request, page, start_response)
        if version is not None:
            # Read once for the whole request: the page Django builds uses the same version.
            environ[ContentVersion.ENVIRON_KEY] = version
        result = self.application(environ, start_response)
        if (
            getattr(result, "kept_for_readers_not_logged_in", False)
            and result.status_code == 200
            and not result.cookies
        ):
            # Under the number read before the page was built: a page of older content is
            # never filed under a newer number.
            cache.set(key, FinishedPage.of(result, number), PAGE_CACHE_SECONDS)
        return result

    @staticmethod
    def key(request):
        """One key an address (and encoding): the page holds the content version it was
        built under, which a hit compares with the current one. A newer page replaces an
        older one rather than piling up beside it."""
        gzip = "gzip" in request.META.get("HTTP_ACCEPT_ENCODING", "")
        return f"finished:{int(gzip)}:{address_digest(request)}"

    @staticmethod
    def serve(request, page, start_response):
        if any(name in request.META for name in CONDITIONAL_REQUEST_HEADERS):
            response = get_conditional_response(
                request,
                etag=page.header("ETag"),
                last_modified=parse_http_date_safe(page.header("Last-Modified") or ""),
                response=HttpResponse(page.body, headers=page.headers),
            )
            status = f"{response.status_code} {response.reason_phrase}"
            headers, body = list(response.items()), response.content
        else:
            status, headers, body = page.status, list(page.headers), page.body
        headers.append(("X-Page-Cache", "hit"))
        start_response(status, headers)
        # The body, not a response: closing a response sends request_finished, and no
        # request was started.
        return [body]


# What makes a request conditional (RFC 9110 13.1): only then is a 304 considered.
CONDITIONAL_REQUEST_HEADERS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


@dataclass(frozen=True)
class FinishedPage:
    """A 200 as Django sent it: its headers (X-Page-Cache aside) and its body. Kept rather
    than the response object, which is slower to read back and holds what only its own
    request could use (the handler, resources to close)."""

    status: str
    headers: tuple
    body: bytes
    # The content version it was built under (read before it): served while it is current.
    content_version: int

    @classmethod
    def of(cls, response, content_version):
        headers = tuple((name, value) for name, value in response.items() if name != "X-Page-Cache")
        status = f"{response.status_code} {response.reason_phrase}"
        return cls(status, headers, response.content, content_version)

    def header(self, name):
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


def address_digest(request):
    """The page's whole address, scheme and host included (get_host() checks ALLOWED_HOSTS)."""
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}".encode()
    return hashlib.sha256(address).hexdigest()


def asks_for_fresh_copy(request):
    return "no-cache" in cache_control_of_header(request.META.get("HTTP_CACHE_CONTROL", ""))


def cache_control_of(response):
    return cache_control_of_header(response.get("Cache-Control", ""))


def cache_control_of_header(value):
    return {part.split("=", 1)[0].strip().lower() for part in cc_delim_re.split(value) if part}
