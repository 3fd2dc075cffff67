"""Site-wide middleware of our own: what Django's settings do not cover."""

import ipaddress

from django.conf import settings

from .errors import DATABASE_UNAVAILABLE, database_unavailable


class TrustedProxyMiddleware:
    """Behind TRUSTED_PROXY_COUNT proxies, the reader's address is the one the outermost of
    them saw: the TRUSTED_PROXY_COUNT-th address of X-Forwarded-For from the right (each
    proxy appends the address that connected to it; anything further left was written by
    the client and proves nothing). It replaces REMOTE_ADDR, which the flood rule and the
    moderation audit trail read. With no trusted proxy the header is ignored entirely: a
    client could write anything in it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        proxy_count = settings.TRUSTED_PROXY_COUNT
        if proxy_count > 0:
            forwarded_for = request.META.get("HTTP_X_FORWARDED_FOR", "")
            client = self.client_address(forwarded_for, proxy_count)
            if client is not None:
                request.META["REMOTE_ADDR"] = client
        return self.get_response(request)

    @staticmethod
    def client_address(forwarded_for, proxy_count):
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if len(hops) < proxy_count:
            # Not the chain of proxies we were told of: keep the address that connected.
            return None
        candidate = hops[-proxy_count]
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            return None


class PermissionsPolicyMiddleware:
    """Send `Permissions-Policy`: the site uses no camera, microphone, location, payment or
    device API, and takes part in no interest-based advertising; nothing on a page (an
    embedded frame included) may ask for them."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DENIED)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.header)
        return response


class DatabaseUnavailableMiddleware:
    """A page whose database went away (PostgreSQL stopped or restarting, a connection cut)
    answers 503 with Retry-After in the site's layout, logged as one warning line, instead
    of a 500 with a traceback. Nothing is kept: the next request opens a new connection
    (Django closes an unusable one when a request starts, and CONN_HEALTH_CHECKS tests a
    kept one before use), so the site recovers by itself when the database returns.

    This catches what views raise. Django turns an exception raised in a middleware into a
    response before it reaches an outer one, so those go through handler500
    (config.errors.server_error), which answers the same 503.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_UNAVAILABLE):
            return database_unavailable(request, exception)
        return None
