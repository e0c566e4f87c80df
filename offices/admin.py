from django.contrib import admin

from .admin_scoping import UnitScopedAdmin
from .models import HandlingUnit


@admin.register(HandlingUnit)
class HandlingUnitAdmin(UnitScopedAdmin):
    unit_path = "pk"
    list_display = ["name", "full_name", "doc_prefix"]
    search_fields = ["name", "full_name", "doc_prefix"]
    filter_horizontal = ["staff"]
