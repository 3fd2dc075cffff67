"""Uploads served by Django itself, for a single machine with no web server in front.

Django's static `serve` view reads each file in the app process: fine for one small site,
slower than nginx for a busy one (see the README's Deploying). It never lists a folder, and
it answers If-Modified-Since with 304. Off (404) unless SERVE_MEDIA is set; development
turns it on.
"""

from django.conf import settings
from django.http import Http404
from django.views.static import serve

# Renditions and originals are stored under unique names, but a name can be used again
# after its image is deleted: a day of caching, not a year (deploy/nginx/liaison.conf agrees).
MEDIA_CACHE_CONTROL = "public, max-age=86400"


def serve_media(request, path):
    if not settings.SERVE_MEDIA:
        raise Http404("Uploads are not served by the application.")
    response = serve(request, path, document_root=settings.MEDIA_ROOT, show_indexes=False)
    response["Cache-Control"] = MEDIA_CACHE_CONTROL
    return response
