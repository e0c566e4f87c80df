"""Site-wide views that belong to no app."""

from django.http import HttpResponse
from django.views.decorators.http import require_safe


@require_safe
def ping(request):
    """Liveness for load balancers and the benchmark: the app answers, without touching the
    database (so that a slow database does not take every server out of the pool)."""
    return HttpResponse("ok", content_type="text/plain")
