"""Who may see what: the two roles of the product besides superusers.

Supervisors (the proposals committee and the government supervision office) see everything;
unit staff see only the rows of the handling units they belong to.
"""

from django.db.models import QuerySet

from .models import HandlingUnit

# Created by a data migration, so that it exists wherever the app is installed.
SUPERVISORS_GROUP = "督办人员"


def is_supervisor(user) -> bool:
    if not (user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    # Asked several times per admin request: remember the answer on the user object.
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
