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
    return user.groups.filter(name=SUPERVISORS_GROUP).exists()


def units_of(user) -> QuerySet[HandlingUnit]:
    """The units whose rows this user may see; every unit for a supervisor."""
    if is_supervisor(user):
        return HandlingUnit.objects.all()
    if not (user.is_active and user.is_staff):
        return HandlingUnit.objects.none()
    return HandlingUnit.objects.filter(staff=user)
