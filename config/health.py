import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .errors import DATABASE_RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)


@never_cache
@require_safe
def healthz(request):
    """200 when the database answers, 503 when it does not: for load balancers and monitors.

    A database away is an expected state here, not a bug: one warning line, no traceback.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Health check: the database did not answer (%s)", type(error).__name__)
        response = JsonResponse({"status": "error", "database": "unavailable"}, status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        # Logged above: Django's request logger would log the 503 again as an error.
        response._has_been_logged = True
        return response
    return JsonResponse({"status": "ok", "database": "ok"})
