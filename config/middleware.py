"""Site-wide middleware."""

from config.views import DATABASE_UNAVAILABLE_ERRORS, database_unavailable


class ChineseFirstMiddleware:
    """Chinese (LANGUAGE_CODE) unless the visitor chose otherwise with the language switch:
    the browser's Accept-Language is not asked, so an English browser still starts in Chinese.
    Goes before LocaleMiddleware, which then reads only the language cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A request the database fails (the server down or restarting, the connection lost)
    answers a short 503 page, JSON under /api/, instead of a 500 and its traceback.

    process_exception sees what the view raises, its template's rendering included, wherever
    this middleware sits in MIDDLEWARE. What other middleware raise, Django turns into a
    response before any middleware sees it: handler500 (config.views.server_error) answers
    those with the same 503. A connection that broke is closed at the end of the request
    (CONN_HEALTH_CHECKS also tests a reused one before its first query), so the next request
    connects anew: nothing here has to recover."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_UNAVAILABLE_ERRORS):
            return database_unavailable(request, exception)
        return None
