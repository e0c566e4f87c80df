from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OfficesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "offices"
    verbose_name = _("承办单位")

    def ready(self):
        from . import audit  # noqa: F401  (connects the login signals)
