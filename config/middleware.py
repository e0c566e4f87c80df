"""Site-wide middleware."""


class ChineseFirstMiddleware:
    """Chinese (LANGUAGE_CODE) unless the visitor chose otherwise with the language switch:
    the browser's Accept-Language is not asked, so an English browser still starts in Chinese.
    Goes before LocaleMiddleware, which then reads only the language cookie."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
