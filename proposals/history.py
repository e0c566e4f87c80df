"""The audit trail: each create, change and delete of proposals, assignments, reply letters,
outcome classes and satisfaction forms keeps a historical row with who, when, why and the
value of every field, through django-simple-history (`AuditedHistory` on the models).

Saves and deletes through the ORM are recorded by the library's signals, with the user of the
request (its middleware) or the one a service names (`instance._history_user`), and the
reason a service gives (`instance._change_reason`). Writes that send no signal, bulk_create
and QuerySet.update(), record their rows here (`record_created`, `record_changed`): one more
INSERT per table, however many rows. A command sets the reason of everything it writes with
`reason("import_letters letter.docx")`.

The demo data generator writes no history: its rows are synthetic, dropped at will, and
COPY at 100 000 proposals would double in time for nothing.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

_current_reason: ContextVar[str | None] = ContextVar("history_reason", default=None)


@contextmanager
def reason(text: str | None) -> Iterator[None]:
    """The change reason of the historical rows written meanwhile that give none of their
    own; None keeps the reason already set."""
    token = _current_reason.set(text or _current_reason.get())
    try:
        yield
    finally:
        _current_reason.reset(token)


def current_reason() -> str | None:
    return _current_reason.get()


_paused: ContextVar[bool] = ContextVar("history_paused", default=False)


@contextmanager
def paused() -> Iterator[None]:
    """No historical rows meanwhile: for a restore, whose archive holds the history itself
    (Django's loading sets many-to-many links with signals a raw save does not skip)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


class AuditedHistory(HistoricalRecords):
    """The library's historical records, named in Chinese, with the running reason."""

    def get_meta_options(self, model):
        options = super().get_meta_options(model)
        name = format_lazy(_("{model}历史"), model=model._meta.verbose_name)
        options["verbose_name"] = options["verbose_name_plural"] = name
        return options

    def post_save(self, *args, **kwargs):
        if not _paused.get():
            super().post_save(*args, **kwargs)

    def post_delete(self, *args, **kwargs):
        if not _paused.get():
            super().post_delete(*args, **kwargs)

    def m2m_changed(self, *args, **kwargs):
        if not _paused.get():
            super().m2m_changed(*args, **kwargs)

    def get_change_reason_for_object(self, instance, history_type, using):
        own = super().get_change_reason_for_object(instance, history_type, using)
        return own or _current_reason.get()


def is_tracked(model: type[models.Model]) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def record_created(rows: list[models.Model]) -> None:
    """History for rows that bulk_create inserted (their primary keys set)."""
    _record(rows, update=False)


def record_changed(rows: Iterable[models.Model]) -> None:
    """History for rows that QuerySet.update() changed, as they now are (a queryset is read
    once, here)."""
    _record(list(rows), update=True)


def _record(rows: list[models.Model], *, update: bool) -> None:
    if not rows or not is_tracked(type(rows[0])):
        return
    manager = getattr(type(rows[0]), type(rows[0])._meta.simple_history_manager_attribute)
    manager.bulk_history_create(rows, update=update, default_change_reason=current_reason())
