from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HandlingUnit(models.Model):
    """A unit (承办单位) that answers the proposals assigned to it."""

    name = models.CharField(_("简称"), max_length=100, unique=True)
    full_name = models.CharField(_("全称"), max_length=200, blank=True)
    doc_prefix = models.CharField(
        _("文号前缀"),
        max_length=50,
        blank=True,
        help_text=_("答复函文号中〔年份〕之前的部分，如“景国试管办案字”。"),
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("工作人员"),
        related_name="handling_units",
        blank=True,
    )

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["name"]  # served by the unique index on name

    def __str__(self):
        return self.name


class LoginOutcome(models.TextChoices):
    LOGGED_IN = "logged_in", _("登录成功")
    FAILED = "failed", _("登录失败")
    LOGGED_OUT = "logged_out", _("退出登录")


class LoginEvent(models.Model):
    """A login, failed login or logout, as offices.audit records it: who (or the username
    typed, for a failed login), when, from where. Never a password."""

    outcome = models.CharField(_("结果"), max_length=20, choices=LoginOutcome)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.SET_NULL,
        related_name="login_events",
        null=True,
        blank=True,
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    occurred_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("登录记录")
        verbose_name_plural = _("登录记录")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["-occurred_at", "-id"], name="loginevent_order_idx"),
            models.Index(fields=["username", "-occurred_at"], name="loginevent_username_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=LoginOutcome.values), name="loginevent_outcome_valid"
            )
        ]

    def __str__(self):
        return f"{self.username} {self.get_outcome_display()} {self.occurred_at:%Y-%m-%d %H:%M}"
