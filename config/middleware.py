"""Site-wide middleware of our own: what Django's settings do not cover."""

from django.conf import settings


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
