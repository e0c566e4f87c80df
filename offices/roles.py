"""Who may see what: the two roles of the product besides superusers.

Supervisors (the proposals committee and the government supervision office) see everything;
unit staff see only the rows of the handling units they belong to.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import HandlingUnit

# Created by a data migration, so that it exists wherever the app is installed.
SUPERVISORS_GROUP = "督办人员"


def is_supervisor(user) -> bool:
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    # Asked several times per admin request: remember the answer on the user object (a user
    # loaded by RoleBackend comes with it).
    if not hasattr(user, "_is_supervisor"):
        user._is_supervisor = user.groups.filter(name=SUPERVISORS_GROUP).exists()
    return user._is_supervisor


def is_unit_staff(user) -> bool:
    return bool(user.is_active and user.is_staff and unit_ids_of(user))


def unit_ids_of(user) -> list[int]:
    """The ids of the units whose rows this user may see (for a supervisor: every unit)."""
    if not hasattr(user, "_unit_ids"):
        if is_supervisor(user):
            units = HandlingUnit.objects.all()
        elif user.is_active and user.is_staff:
            units = HandlingUnit.objects.filter(staff=user)
        else:
            units = HandlingUnit.objects.none()
        user._unit_ids = list(units.values_list("pk", flat=True))
    return user._unit_ids


def units_of(user) -> QuerySet[HandlingUnit]:
    return HandlingUnit.objects.filter(pk__in=unit_ids_of(user))


class RoleBackend(ModelBackend):
    """Django's model backend, reading less on each request of a logged-in user: the user
    comes with whether they are a supervisor (one query, not two), and their permissions,
    their own and their groups', are read in one query, not two (the admin's sidebar asks
    for them on every page)."""

    def get_user(self, user_id):
        in_supervisors = Group.objects.filter(user=OuterRef("pk"), name=SUPERVISORS_GROUP)
        user = (
            get_user_model()
            ._default_manager.annotate(_is_supervisor=Exists(in_supervisors))
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            permissions = Permission.objects.all()
            if not user_obj.is_superuser:
                own = get_user_model().user_permissions.through.objects.filter(user=user_obj)
                of_groups = Group.permissions.through.objects.filter(group__user=user_obj)
                permissions = permissions.filter(
                    Q(pk__in=own.values("permission")) | Q(pk__in=of_groups.values("permission"))
                )
            pairs = permissions.values_list("content_type__app_label", "codename").order_by()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in pairs}
        return user_obj._perm_cache
