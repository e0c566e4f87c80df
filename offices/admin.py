from django.contrib import admin

from .admin_scoping import UnitScopedAdmin
from .models import HandlingUnit, LoginEvent
from .roles import is_supervisor


@admin.register(HandlingUnit)
class HandlingUnitAdmin(UnitScopedAdmin):
    unit_path = "pk"
    list_display = ["name", "full_name", "doc_prefix"]
    search_fields = ["name", "full_name", "doc_prefix"]
    filter_horizontal = ["staff"]


@admin.register(LoginEvent)
class LoginEventAdmin(admin.ModelAdmin):
    """Supervisors read the logins; nobody adds, edits or deletes them here."""

    list_display = ["occurred_at", "outcome", "username", "user", "ip_address"]
    list_filter = ["outcome", "occurred_at"]
    list_select_related = ["user"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "occurred_at"
    fields = ["occurred_at", "outcome", "username", "user", "ip_address", "user_agent"]
    readonly_fields = fields

    def has_module_permission(self, request):
        return is_supervisor(request.user)

    def has_view_permission(self, request, obj=None):
        return is_supervisor(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
