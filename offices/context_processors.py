from .roles import is_supervisor


def roles(request):
    """`user_is_supervisor` for the templates: the site's navigation shows supervisors the
    statistics (asked only of logged-in staff; anonymous visitors cost no query)."""
    return {"user_is_supervisor": is_supervisor(request.user)}
