from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from config.views import healthz, ping

admin.site.site_header = _("政协提案办理答复管理")
admin.site.site_title = _("提案答复管理")
admin.site.index_title = _("提案办理")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="proposals:list", permanent=False)),
    path("ping", ping, name="ping"),
    path("healthz", healthz, name="healthz"),
    path("", include("proposals.urls")),
    path("api/", include("proposals.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# The database unreachable answers 503, not 500 (see config.views.server_error).
handler500 = "config.views.server_error"
