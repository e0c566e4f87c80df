"""Site-wide views that belong to no app."""

import logging
import sys

from django.conf import settings
from django.db import Error, InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# How a database that cannot be reached shows itself: psycopg's connection errors (refused,
# timed out, a backend terminated, a server shutting down) reach Django as these two.
DATABASE_UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
API_PREFIX = "/api/"


@require_safe
def ping(request):
    """Liveness for load balancers and the benchmark: the app answers, without touching the
    database (so that a slow database does not take every server out of the pool)."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
@require_safe
def healthz(request):
    """Readiness: whether the database answers a trivial query. Reads no session, user or
    cache; the error itself is logged, never shown."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Error as error:
        response = JsonResponse({"status": "error", "database": "unavailable"}, status=503)
        return logged_once(request, error, response)
    return JsonResponse({"status": "ok", "database": "ok"})


def database_unavailable(request, error: Exception) -> HttpResponse:
    """The answer to a request the database failed: a short 503 page (JSON under /api/) that
    asks to come back later, and says nothing of the error, which is logged."""
    if request.path_info.startswith(API_PREFIX):
        response = JsonResponse(
            {"detail": _("服务暂时不可用，请稍后再试。")},
            status=503,
            json_dumps_params={"ensure_ascii": False},  # as the API's own answers
        )
    else:
        # Rendered without the request: the context processors (the user, the roles) would
        # ask the database again.
        context = {"contact": settings.PROPOSALS_OFFICE_CONTACT}
        response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return logged_once(request, error, response)


def server_error(request):
    """handler500: Django's 500 page, or the 503 where the error is the database's. Errors
    raised outside the view — by a middleware (a session saved), or while rendering the 404
    page (its context processors read the user) — come here and never reach
    DatabaseUnavailableMiddleware.process_exception, which sees the view's alone. Django calls
    this while it handles the error, so sys.exception() is that error."""
    error = sys.exception()
    if isinstance(error, DATABASE_UNAVAILABLE_ERRORS):
        return database_unavailable(request, error)
    return defaults.server_error(request)


def logged_once(request, error: Exception, response: HttpResponse) -> HttpResponse:
    """Log the failure on one line, at WARNING, with its cause; and mark the response logged,
    or Django would log every 503 again as an error (with the traceback, where it was raised
    outside the view)."""
    logger.warning(
        "Database unavailable (%s %s): %s: %s",
        request.method,
        request.path,
        type(error).__name__,
        " ".join(str(error).split()),
    )
    response._has_been_logged = True  # what django.utils.log.log_response checks
    return response
