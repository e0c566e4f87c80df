"""The admin's rule of the road: supervisors see everything, unit staff only their units' rows.

Every admin of a unit-bound model says how to reach the unit (`unit_path`) and what unit staff
may do with their own rows; everything else (list, detail URL, form choices, autocomplete)
follows from `get_queryset` and the choice querysets, so a row of another unit cannot be seen,
opened or smuggled in through a tampered form.
"""

import re
from functools import reduce
from operator import or_

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import lookup_spawns_duplicates, quote
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext

from .roles import is_supervisor, is_unit_staff, unit_ids_of

DIGITS = re.compile(r"[0-9]{1,18}")


def in_units(paths: str | tuple[str, ...], unit_ids: list[int]) -> Q:
    if isinstance(paths, str):
        paths = (paths,)
    return reduce(or_, (Q(**{f"{path}__in": unit_ids}) for path in paths))


class IdAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete, showing again only the submitted values that are ids: Django's
    looks up whatever a refused post held (`assignment=abc`) and fails with a 500."""

    def optgroups(self, name, value, attr=None):
        ids = [item for item in value if DIGITS.fullmatch(str(item))]
        return super().optgroups(name, ids, attr)


class FastLinksChangeList(ChangeList):
    """Django's list, linking its rows to their pages with one reverse() for the whole page
    rather than one per row and link column (200 of them for 100 rows and two links)."""

    PK_PLACEHOLDER = "0PK0"

    @cached_property
    def change_url(self) -> str:
        """A row's URL, with PK_PLACEHOLDER for its primary key."""
        return super().url_for_result(self.model(**{self.pk_attname: self.PK_PLACEHOLDER}))

    def get_filters(self, request):
        # A NUL character, which no text stored in PostgreSQL holds and which psycopg refuses
        # to send (a 500), is a malformed filter: Django's list then offers to start over.
        params = self.get_filters_params()
        if any("\x00" in value for values in params.values() for value in values):
            raise IncorrectLookupParameters("NUL character in a filter value")
        return super().get_filters(request)

    def url_for_result(self, result):
        pk = quote(getattr(result, self.pk_attname))
        return self.change_url.replace(self.PK_PLACEHOLDER, str(pk), 1)


class RoleAdmin(admin.ModelAdmin):
    """Permissions by role. Without a `unit_path` the model is reference data shared by all
    units (sessions, categories, outcome classes): staff may read it, supervisors edit it."""

    # Lookup path from this model to its HandlingUnit, e.g. "assignment__unit"; a tuple of
    # paths where a row belongs to a unit in any of several ways.
    unit_path: str | tuple[str, ...] = ""
    staff_can_add = False
    staff_can_change = False
    # Choice fields limited to the user's units: {field name: lookup path(s) to the unit}.
    scoped_choices: dict[str, str | tuple[str, ...]] = {}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_supervisor(request.user):
            return queryset
        if not self.unit_path:
            return queryset
        scope = in_units(self.unit_path, unit_ids_of(request.user))
        if not self._unit_path_spawns_duplicates():
            # A row's own unit (or its reply's): filtered in place, which the planner serves
            # far better than "id IN (subquery)" on a large table.
            return queryset.filter(scope)
        return queryset.filter(pk__in=self.model._default_manager.filter(scope).values("pk"))

    def _unit_path_spawns_duplicates(self) -> bool:
        paths = (self.unit_path,) if isinstance(self.unit_path, str) else self.unit_path
        return any(lookup_spawns_duplicates(self.opts, f"{path}__in") for path in paths)

    def _in_scope(self, request, obj) -> bool:
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def get_changelist(self, request, **kwargs):
        return FastLinksChangeList

    def action_checkbox(self, obj):
        """The row's checkbox, as Django's, without rendering a widget's template for each
        row (a fifth of the time of a list of 100 rows)."""
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), obj),
        )

    def has_module_permission(self, request):
        return is_supervisor(request.user) or is_unit_staff(request.user)

    def has_view_permission(self, request, obj=None):
        if is_supervisor(request.user):
            return True
        return is_unit_staff(request.user) and self._in_scope(request, obj)

    def has_add_permission(self, request):
        if is_supervisor(request.user):
            return True
        return self.staff_can_add and is_unit_staff(request.user)

    def has_change_permission(self, request, obj=None):
        if is_supervisor(request.user):
            return True
        allowed = self.staff_can_change and is_unit_staff(request.user)
        return allowed and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Official records: only a superuser deletes, and PROTECT keeps what others point at.
        return request.user.is_superuser

    def get_search_results(self, request, queryset, search_term):
        # No text stored in PostgreSQL holds a NUL, and psycopg refuses to send one (a 500):
        # such a term (the autocomplete's is not cleaned as the list's search is) finds nothing.
        if "\x00" in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def get_changeform_initial_data(self, request):
        """Prefill from the query string only with rows this user may choose: a malformed or
        foreign id is dropped rather than handed to the form (or to a 500)."""
        initial = super().get_changeform_initial_data(request)
        for field in self.model._meta.fields:
            if field.is_relation and field.name in initial:
                value = str(initial[field.name])
                choices = self.scope_choices(
                    request, field, field.remote_field.model._default_manager.all()
                )
                if not DIGITS.fullmatch(value) or not choices.filter(pk=value).exists():
                    del initial[field.name]
        return initial

    def scope_choices(self, request, db_field, queryset):
        path = self.scoped_choices.get(db_field.name)
        if path is None or is_supervisor(request.user):
            return queryset
        in_scope = queryset.model._default_manager.filter(
            in_units(path, unit_ids_of(request.user))
        ).values("pk")
        return queryset.filter(pk__in=in_scope)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = IdAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        if db_field.name in self.scoped_choices:
            queryset = kwargs.get("queryset") or db_field.remote_field.model._default_manager
            kwargs["queryset"] = self.scope_choices(request, db_field, queryset.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.scoped_choices:
            queryset = kwargs.get("queryset") or db_field.remote_field.model._default_manager
            kwargs["queryset"] = self.scope_choices(request, db_field, queryset.all())
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class OwnUnitsFilter(admin.RelatedFieldListFilter):
    """A filter by unit offering the units this user may see (for a supervisor, every unit).

    Read from the small units table: RelatedOnlyFieldListFilter would instead go through
    every row of the list (SELECT DISTINCT unit over 200 000 replies) for the units in use."""

    def field_choices(self, field, request, model_admin):
        units = self.all_units(field, request, model_admin)
        if is_supervisor(request.user):
            return units
        own = set(unit_ids_of(request.user))
        return [(pk, name) for pk, name in units if pk in own]

    def all_units(self, field, request, model_admin) -> list[tuple[int, str]]:
        """Every unit, (pk, name) in the units' order (a subclass may read them from a cache)."""
        ordering = self.field_admin_ordering(field, request, model_admin)
        return field.get_choices(include_blank=False, ordering=ordering)


class UnitScopedAdmin(RoleAdmin):
    def __init__(self, model, admin_site):
        if not self.unit_path:
            raise TypeError(f"{type(self).__name__} must say how to reach the unit: unit_path")
        super().__init__(model, admin_site)


class RoleInlineMixin:
    """Inlines follow the roles too: supervisors edit, unit staff read."""

    def has_view_permission(self, request, obj=None):
        return is_supervisor(request.user) or is_unit_staff(request.user)

    def has_add_permission(self, request, obj=None):
        return is_supervisor(request.user)

    def has_change_permission(self, request, obj=None):
        return is_supervisor(request.user)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
