"""Hooks of django-axes, the login throttling (settings: AXES_* in config/settings/base.py)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _


def client_ip(request) -> str:
    """The visitor's address. Behind the reverse proxy REMOTE_ADDR is the proxy's own, and
    the client's is the last address X-Forwarded-For names that is not a trusted proxy (each
    proxy appends the address it saw). Entries to its left are whatever the client sent, so
    they are never read; without a trusted proxy in front, the header is ignored."""
    proxies = settings.FORWARDED_ALLOW_IPS
    trust_any = "*" in proxies
    address = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    forwarded = [hop.strip() for hop in forwarded if hop.strip()]
    while forwarded and (trust_any or address in proxies):
        address = forwarded.pop()
        if trust_any:  # any peer may be a proxy: believe the nearest one's word only
            break
    return address


def lockout_response(request, original_response=None, credentials=None):
    """The admin's login page saying, in the visitor's language, that logging in is paused;
    status 429. It has no form: any further try would only prolong the lockout."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        **admin.site.each_context(request),
        "title": _("登录已暂停"),
        "form": AdminAuthenticationForm(request),  # admin/login.html renders its media
        "lockout_message": _(
            "密码错误次数过多，该账号的登录已暂停 %(minutes)s 分钟，请稍后再试。"
            "如忘记密码，请联系系统管理员。"
        )
        % {"minutes": minutes},
    }
    return TemplateResponse(request, "admin/locked_out.html", context, status=429).render()
