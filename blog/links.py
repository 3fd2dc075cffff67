"""Absolute URLs, made in one place: feeds, the sitemap, canonical links, JSON-LD, and (from
the comments app) links in emails.

The host is SITE_DOMAIN when it is set; otherwise the request's own host, which Django has
checked against ALLOWED_HOSTS (port included, so that a development server on another port
links to itself). The scheme is https when the site says HTTPS or the request came over it.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.encoding import iri_to_uri


def site_domain(request=None):
    """The host (and port, if any) that absolute links name.

    Without SITE_DOMAIN and without a request (an email sent by a command, say) the host
    cannot be known: the first named ALLOWED_HOSTS stands in, and the check liaison.W001
    warns at start on a site configured that way.
    """
    if settings.SITE_DOMAIN:
        return settings.SITE_DOMAIN
    if request is not None:
        return request.get_host()
    return fallback_domain()


def fallback_domain():
    if settings.DEBUG:
        return "127.0.0.1:8000"
    named = (host for host in settings.ALLOWED_HOSTS if host != "*" and not host.startswith("."))
    return next(named, "localhost")


def scheme(request=None):
    secure = settings.HTTPS or (request is not None and request.is_secure())
    return "https" if secure else "http"


def absolute_url(path, request=None):
    """`path` (an absolute path, or already a whole URL) as a whole URL on the site's host.

    URLs that name their own host are returned as they are (uploads in a bucket, a CDN);
    scheme-relative ones (//cdn.example/…) get the site's scheme. Non-ASCII paths (Unicode
    slugs) are percent-encoded, as request.build_absolute_uri() does.
    """
    parts = urlsplit(path)
    if parts.scheme:
        return path
    if parts.netloc:
        return f"{scheme(request)}:{path}"
    return iri_to_uri(f"{scheme(request)}://{site_domain(request)}{path}")
