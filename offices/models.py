from django.conf import settings
from django.db import models
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
