from django.conf import settings

from .links import absolute_url


def site(request):
    return {
        "site_name": settings.SITE_NAME,
        "site_tagline": settings.SITE_TAGLINE,
        "canonical_url": canonical_url(request),
    }


def canonical_url(request):
    """The page's address without tracking or search parameters; page 2 and on keep ?page."""
    url = absolute_url(request.path, request)
    page = request.GET.get("page", "")
    if page.isdigit() and int(page) > 1:
        url += f"?page={int(page)}"
    return url
