"""Backup and restore: every record and uploaded scan in one zip file (`manage.py
export_archive FILE`, `manage.py import_archive FILE`).

The archive holds

- `data/<app>.<model>.jsonl`: the rows of each archived model (`archived_models()`: auth's
  groups and users, every model of the `offices` and `proposals` apps, the admin's log), as
  Django's JSON Lines serializer writes them, primary keys kept, many-to-many links (co-signers,
  units' staff, users' groups) inside their rows. Permissions and content types are named by
  their natural keys, because `migrate` numbers them differently in each database.
- `scans/<storage name>`: each scan of a paper form (`SatisfactionForm.scan`), read through
  `default_storage` (a folder or S3) and written back through it under the same name.
- `manifest.json`: the format and its version, when and from which code it was made, the
  applied migrations, the rows of each model and link table, and the size and SHA-256 of every
  other entry.

Both directions stream: rows are read `CHUNK_SIZE` at a time and written line by line, so
memory stays flat whatever the number of proposals. The export reads one snapshot (on
PostgreSQL a REPEATABLE READ transaction), so that a reply logged meanwhile cannot leave the
archive pointing at a row it lacks.

An import restores into an empty, migrated database in one transaction: it checks the file
(its entries, their sizes, the scans' checksums) before writing anything, refuses a database
that holds records, loads the rows, checks the foreign keys, counts and checksums against the
manifest, resets PostgreSQL's sequences and then writes the scans. Any failure rolls all of it
back (and deletes the scans it had written): nothing is half restored.
"""

import hashlib
import io
import json
import shutil
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

import django
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import serializers
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Model, Prefetch
from django.utils import timezone

from . import caching, history
from .models import SatisfactionForm

FORMAT = "proposal-reply-tracker-archive"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA = "data/"
SCANS = "scans/"
PROJECT_APPS = ["offices", "proposals"]
# The apps whose migrations shape the archived tables: an archive loads only into a database
# migrated exactly as the one it came from.
MIGRATED_APPS = ["contenttypes", "auth", "admin", *PROJECT_APPS]
# Rows the data migrations install in every new database (the default outcome scheme, the
# supervisors' group): an import replaces them with the archive's.
INSTALLED_BY_MIGRATIONS = ["proposals.outcomeclass", "proposals.outcomescheme", "auth.group"]
CHUNK_SIZE = 2000
COPY_BUFFER = 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
# A zip bomb inflates a thousandfold and more; real entries far less (generated letters'
# JSON about 12:1, scans barely). Entries under SMALL_ENTRY bytes are not held to the ratio.
MAX_COMPRESSION_RATIO = 200
SMALL_ENTRY = 1024 * 1024
COMPRESSIONS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}


class ArchiveError(Exception):
    """The archive cannot be written or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Outcome:
    manifest: dict
    scans: int
    seconds: float

    @property
    def records(self) -> int:
        return sum(self.manifest["counts"][label] for label in self.manifest["models"])


def archived_models() -> list[type[Model]]:
    """The models an archive holds, in the order they are loaded (foreign keys are checked at
    the end of the transaction, so the order matters only for natural keys: groups before
    the users who belong to them, users before the admin's log)."""
    project = [m for label in PROJECT_APPS for m in apps.get_app_config(label).get_models()]
    return [Group, get_user_model(), *project, LogEntry]


def link_tables(models: Iterable[type[Model]]) -> list[type[Model]]:
    """The many-to-many tables Django made for `models` (their rows travel inside the rows)."""
    return [
        field.remote_field.through
        for model in models
        for field in model._meta.local_many_to_many
        if field.remote_field.through._meta.auto_created
    ]


def uses_natural_keys(model: type[Model]) -> bool:
    """Models outside the project point at permissions and content types, which each database
    numbers its own way: by natural key. Project rows keep their primary keys."""
    return model._meta.app_label not in PROJECT_APPS


# ---------------------------------------------------------------------------------- export


def archive_export(*, path: Path, log: Callable[[str], None] = lambda line: None) -> Outcome:
    """Write the whole record to a new zip file at `path` (through a temporary file beside it,
    renamed once complete). Scans missing from the storage are listed in the manifest and
    reported through `log`; the export goes on without them."""
    started = time.perf_counter()
    partial = path.with_name(path.name + ".partial")
    try:
        with _snapshot(), zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            manifest = _write_archive(archive, log)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    scans = sum(name.startswith(SCANS) for name in manifest["entries"])
    return Outcome(manifest, scans, time.perf_counter() - started)


@contextmanager
def _snapshot():
    """One consistent view of the data for the whole export."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _write_archive(archive: zipfile.ZipFile, log) -> dict:
    models = archived_models()
    entries, counts = {}, {}
    for model in models:
        label = model._meta.label_lower
        name = f"{DATA}{label}.jsonl"
        with archive.open(_new_entry(name), "w", force_zip64=True) as entry:
            digest = _Digest(entry)
            with io.TextIOWrapper(io.BufferedWriter(digest), encoding="utf-8") as text:
                rows = _counted(_rows(model))
                serializers.serialize(
                    "jsonl",
                    rows,
                    stream=text,
                    use_natural_foreign_keys=uses_natural_keys(model),
                )
        counts[label] = rows.count
        entries[name] = digest.summary()
        log(f"{label}: {rows.count} rows")
    for through in link_tables(models):
        counts[through._meta.label_lower] = through._base_manager.count()
    missing = []
    for scan in _scan_names():
        try:
            source = default_storage.open(scan, "rb")
        except FileNotFoundError:
            missing.append(scan)
            log(f"scan missing from the storage, not archived: {scan}")
            continue
        with source, archive.open(_new_entry(SCANS + scan), "w", force_zip64=True) as entry:
            entries[SCANS + scan] = _copy(source, entry)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "app_version": _app_version(),
        "commit": _commit(),
        "django": django.get_version(),
        "database": connection.vendor,
        "migrations": _applied_migrations(),
        "models": [model._meta.label_lower for model in models],
        "counts": counts,
        "entries": entries,
        "missing_scans": missing,
    }
    archive.writestr(_new_entry(MANIFEST), json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def _new_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _rows(model: type[Model]):
    """The model's rows by primary key, each chunk read with its many-to-many links (in two
    queries a chunk, not one a row) and, for natural keys, the rows those are made of."""
    natural = uses_natural_keys(model)
    links = [
        Prefetch(
            field.name,
            queryset=(
                _with_natural_keys(field.related_model)
                if natural
                else field.related_model._base_manager.only("pk")
            ).order_by("pk"),
        )
        for field in model._meta.local_many_to_many
    ]
    queryset = _with_natural_keys(model) if natural else model._base_manager.all()
    return queryset.order_by("pk").prefetch_related(*links).iterator(chunk_size=CHUNK_SIZE)


def _with_natural_keys(model: type[Model]):
    """The rows of `model` with the rows they name by natural key (a permission's content
    type, a log entry's user)."""
    named = [
        field.name
        for field in model._meta.concrete_fields
        if field.is_relation and hasattr(field.related_model, "natural_key")
    ]
    queryset = model._base_manager.all()
    return queryset.select_related(*named) if named else queryset


class _counted:
    def __init__(self, rows: Iterator):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def _scan_names() -> Iterator[str]:
    return (
        SatisfactionForm.objects.exclude(scan="")
        .order_by("scan")
        .values_list("scan", flat=True)
        .distinct()
        .iterator(chunk_size=CHUNK_SIZE)
    )


def _app_version() -> str | None:
    try:
        return metadata.version("proposal-reply-tracker")
    except metadata.PackageNotFoundError:
        return None


def _commit() -> str | None:
    from config.bench import git_commit  # the bench already names the commit it measures

    return git_commit()


def _applied_migrations() -> dict[str, list[str]]:
    applied = MigrationRecorder(connection).applied_migrations()
    return {app: sorted(name for label, name in applied if label == app) for app in MIGRATED_APPS}


# ---------------------------------------------------------------------------------- import


def archive_import(
    *, path: Path, dry_run: bool = False, log: Callable[[str], None] = lambda line: None
) -> Outcome:
    """Restore the archive at `path` into this empty database and the default storage, or
    raise ArchiveError having changed nothing. With `dry_run`, load and verify everything,
    then roll back and write no scan."""
    started = time.perf_counter()
    with _open(path) as archive:
        manifest = _read_manifest(archive)
        _check_entries(archive, manifest)
        scans = sorted(
            name.removeprefix(SCANS) for name in manifest["entries"] if name.startswith(SCANS)
        )
        for scan in scans:
            with archive.open(SCANS + scan) as entry:
                _verify(SCANS + scan, _copy(entry), manifest)
        log(f"{len(scans)} scans verified")
        try:
            with transaction.atomic():
                _check_migrations(manifest)
                _check_empty()
                _load(archive, manifest, log)
                _check_restored(manifest, scans)
                _reset_sequences()
                if dry_run:
                    transaction.set_rollback(True)
                else:
                    _restore_scans(archive, manifest, scans)
                    caching.data_changed(reference=True)
        except DatabaseError as error:
            raise ArchiveError(f"The database refused the archive's data: {error}") from error
    return Outcome(manifest, len(scans), time.perf_counter() - started)


@contextmanager
def _open(path: Path):
    try:
        with zipfile.ZipFile(path) as archive:
            yield archive
    except FileNotFoundError as error:
        raise ArchiveError(f"No such file: {path}") from error
    except IsADirectoryError as error:
        raise ArchiveError(f"{path} is a folder, not an archive file.") from error
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as error:
        raise ArchiveError(f"{path} is not a readable zip archive ({error}).") from error
    except OSError as error:
        raise ArchiveError(f"{path} cannot be read ({error}).") from error


def _read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        info = archive.getinfo(MANIFEST)
    except KeyError:
        raise ArchiveError(
            f"This zip file is no archive of this application: no {MANIFEST}."
        ) from None
    if info.file_size > MAX_MANIFEST_BYTES:
        raise ArchiveError(f"{MANIFEST} is implausibly large ({info.file_size} bytes).")
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except (ValueError, zipfile.BadZipFile) as error:
        raise ArchiveError(f"{MANIFEST} is damaged ({error}).") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"This zip file is no archive of this application ({MANIFEST}).")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ArchiveError(
            f"The archive is in format version {manifest.get('format_version')}; this release "
            f"reads version {FORMAT_VERSION}. Restore it with the release that wrote it."
        )
    expected = {
        "models": list,
        "counts": dict,
        "entries": dict,
        "migrations": dict,
        "missing_scans": list,
    }
    for key, kind in expected.items():
        if not isinstance(manifest.get(key), kind):
            raise ArchiveError(f"{MANIFEST} is damaged: no valid {key!r}.")
    return manifest


def _check_entries(archive: zipfile.ZipFile, manifest: dict) -> None:
    """Every entry is one the manifest lists, of the size it states, with a safe name and a
    plausible compression ratio, before a byte of it is read."""
    names = archive.namelist()
    unexpected = set(names) - set(manifest["entries"]) - {MANIFEST}
    absent = set(manifest["entries"]) - set(names)
    if len(names) != len(set(names)) or unexpected or absent:
        detail = sorted(unexpected)[:3] or sorted(absent)[:3] or "a name twice"
        raise ArchiveError(f"The archive's entries do not match its manifest: {detail}.")
    models = [model._meta.label_lower for model in archived_models()]
    if manifest["models"] != models:
        raise ArchiveError(
            f"The archive holds the models {manifest['models']}; this release has {models}."
        )
    data = {f"{DATA}{label}.jsonl" for label in models}
    for name, stated in manifest["entries"].items():
        if not _safe_name(name):
            raise ArchiveError(f"The archive holds an unsafe file name: {name!r}.")
        if name not in data and not name.startswith(SCANS):
            raise ArchiveError(f"The archive holds an unexpected entry: {name!r}.")
        info = archive.getinfo(name)
        if not isinstance(stated, dict) or info.file_size != stated.get("size"):
            raise ArchiveError(f"{name}: its size does not match the manifest.")
        if info.flag_bits & 0x1 or info.compress_type not in COMPRESSIONS:
            raise ArchiveError(f"{name} is encrypted or compressed in an unexpected way.")
        if info.file_size > SMALL_ENTRY and info.file_size > MAX_COMPRESSION_RATIO * max(
            info.compress_size, 1
        ):
            raise ArchiveError(
                f"{name} inflates implausibly ({info.compress_size} bytes to {info.file_size})."
            )
    if lacking := data - set(manifest["entries"]):
        raise ArchiveError(f"The archive lacks {sorted(lacking)[0]}.")


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        bool(name)
        and not path.is_absolute()
        and "\\" not in name
        and "\0" not in name
        and ":" not in path.parts[0]
        and all(part not in {"", ".", ".."} for part in name.split("/"))
    )


def _check_migrations(manifest: dict) -> None:
    here = _applied_migrations()
    different = [app for app in MIGRATED_APPS if manifest["migrations"].get(app) != here[app]]
    if different:
        raise ArchiveError(
            f"This database is not migrated as the archive's was (apps {', '.join(different)}). "
            "Restore with the release that wrote the archive (commit "
            f"{manifest.get('commit') or 'unknown'}), then upgrade as usual."
        )


def _check_empty() -> None:
    held = {
        model._meta.label: count
        for model in archived_models()
        if model._meta.label_lower not in INSTALLED_BY_MIGRATIONS
        and (count := model._base_manager.count())
    }
    if held:
        listed = ", ".join(f"{count} {label} rows" for label, count in held.items())
        raise ArchiveError(
            f"The database is not empty (it holds {listed}); nothing was changed. Restore into "
            "a new database: create it, run `manage.py migrate`, then import_archive."
        )


def _load(archive: zipfile.ZipFile, manifest: dict, log) -> None:
    with history.paused():
        _load_rows(archive, manifest, log)


def _load_rows(archive: zipfile.ZipFile, manifest: dict, log) -> None:
    for label in INSTALLED_BY_MIGRATIONS:  # listed children first
        apps.get_model(label)._base_manager.all().delete()
    for model in archived_models():
        label = model._meta.label_lower
        name = f"{DATA}{label}.jsonl"
        with archive.open(name) as entry:
            digest = _Digest(entry)
            text = io.TextIOWrapper(io.BufferedReader(digest), encoding="utf-8")
            try:
                for row in serializers.deserialize("jsonl", text, handle_forward_references=False):
                    if type(row.object) is not model:
                        raise ArchiveError(f"{name} holds a row of {row.object._meta.label}.")
                    row.save(force_insert=True)
            except (
                DeserializationError,
                UnicodeDecodeError,
                zipfile.BadZipFile,
                zlib.error,
            ) as error:
                raise ArchiveError(f"{name}: {error}") from error
            _verify(name, digest.summary(), manifest)
        log(f"{label}: {manifest['counts'].get(label)} rows")


def _check_restored(manifest: dict, scans: list[str]) -> None:
    """The foreign keys hold, each table has the rows the manifest counts, and the scans the
    forms name are the archive's (and those it reported missing)."""
    connection.check_constraints()
    models = archived_models()
    for model in [*models, *link_tables(models)]:
        label = model._meta.label_lower
        count, stated = model._base_manager.count(), manifest["counts"].get(label)
        if count != stated:
            raise ArchiveError(f"{label}: {count} rows restored, the manifest counts {stated}.")
    named = set(_scan_names())
    if named != set(scans) | set(manifest["missing_scans"]):
        raise ArchiveError("The archive's scans do not match the scans its forms name.")


def _reset_sequences() -> None:
    """New rows get ids after the restored ones (PostgreSQL's sequences do not follow rows
    inserted with their ids)."""
    statements = connection.ops.sequence_reset_sql(no_style(), archived_models())
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _restore_scans(archive: zipfile.ZipFile, manifest: dict, scans: list[str]) -> None:
    """Write each scan under its own name, last, so that the transaction still rolls back
    whatever fails; a failure deletes the scans written so far."""
    written = []
    try:
        for scan in scans:
            if default_storage.exists(scan):
                with default_storage.open(scan, "rb") as present:
                    if _copy(present)["sha256"] == manifest["entries"][SCANS + scan]["sha256"]:
                        continue
                raise ArchiveError(
                    f"The storage already holds another file named {scan}: move it away first."
                )
            with archive.open(SCANS + scan) as entry:
                saved = default_storage.save(scan, File(entry, name=scan))
            written.append(saved)
            if saved != scan:
                raise ArchiveError(f"The storage saved {scan} as {saved}.")
    except BaseException as error:
        for name in written:
            default_storage.delete(name)
        if isinstance(error, (OSError, SuspiciousFileOperation)):
            raise ArchiveError(f"A scan could not be written to the storage: {error}") from error
        raise


def _verify(name: str, found: dict, manifest: dict) -> None:
    if found != manifest["entries"][name]:
        raise ArchiveError(f"{name} is damaged: its checksum does not match the manifest.")


# --------------------------------------------------------------------------------- streams


class _Digest(io.RawIOBase):
    """A binary file that counts and hashes the bytes read from or written to `file` (written
    to nothing, with None)."""

    def __init__(self, file):
        self.file, self.sha256, self.size = file, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.file.read(len(buffer))
        buffer[: len(data)] = data
        self._seen(data)
        return len(data)

    def write(self, data) -> int:
        if self.file is not None:
            self.file.write(data)
        self._seen(data)
        return len(data)

    def _seen(self, data) -> None:
        self.sha256.update(data)
        self.size += len(data)

    def summary(self) -> dict:
        return {"size": self.size, "sha256": self.sha256.hexdigest()}


def _copy(source, target=None) -> dict:
    """Copy `source` to `target` (or just read it, without); its size and SHA-256."""
    digest = _Digest(target)
    shutil.copyfileobj(source, digest, COPY_BUFFER)
    return digest.summary()
