"""How reading pages may be cached, said once for all of them.

A page read by someone not logged in is the same for everyone: a proxy (and the site's own
page cache, config/page_cache.py) may keep it briefly, it carries the date of the site's
last change for conditional requests, and it varies with the Cookie header so that nobody
logged in is ever given it. A page read by someone logged in is theirs alone.
"""

from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date

from .models import ContentVersion

# Long enough to absorb a burst of readers at a proxy, short enough that a proxy's copy
# (which no purge reaches) is soon fresh again. The site's own cache is purged exactly.
PUBLIC_MAX_AGE = 60


class ReadingPageCaching:
    """For reading views: Cache-Control, Vary and Last-Modified by who is reading."""

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.has_header("Cache-Control"):
            # A preview, or a view that said for itself.
            return response
        patch_vary_headers(response, ["Cookie"])
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, no_cache=True)
            return response
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
        changed_at = ContentVersion.for_request(request).changed_at
        if changed_at is not None and response.status_code == 200:
            response["Last-Modified"] = http_date(changed_at.timestamp())
        return response
