"""export_archive and import_archive: every record and scan round-trips; a bad file, a
database that holds records or a damaged scan changes nothing."""

import io
import json
import zipfile
from importlib import import_module

import pytest
from django.apps import apps as global_apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from offices.models import HandlingUnit
from offices.roles import SUPERVISORS_GROUP
from proposals import archive, caching, demo_data
from proposals.models import (
    OutcomeClass,
    OutcomeScheme,
    Proposal,
    Proposer,
    ProposerKind,
    Rating,
    Reminder,
    ReminderKind,
    ReplyLetter,
    SatisfactionForm,
    Session,
)
from tests.factories import (
    HandlingUnitFactory,
    ProposalFactory,
    ReplyLetterFactory,
    SatisfactionFormFactory,
    SupervisorFactory,
    unit_staff,
)

SCANS = {
    "paper.pdf": b"%PDF-1.4 a paper form\n" * 50,
    "photo.png": b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


def build_records() -> dict:
    """A little of everything an archive must keep: users with groups and permissions, units
    and their staff, a collective proposal with co-signers, merged proposals, a reply with
    paper forms and their scans, a voided form, a reminder, the admin's log."""
    supervisor = SupervisorFactory(username="supervisor", email="s@example.org")
    Group.objects.get(name=SUPERVISORS_GROUP).permissions.add(
        Permission.objects.get(codename="change_replyletter")
    )
    unit = HandlingUnitFactory(name="市文旅局")
    staff = unit_staff(unit, username="staff")
    staff.user_permissions.add(Permission.objects.get(codename="view_proposal"))
    body = Proposer.objects.create(kind=ProposerKind.BODY, name="民革市委会", contact_person="王")
    co_signer = Proposer.objects.create(name="张三")
    reply = ReplyLetterFactory(
        assignment__unit=unit,
        assignment__proposal__proposer=body,
        body="答复正文，含“引号”与换行\n第二段。",
        copied_to=["市政协提案委员会", "市政府督查室"],
    )
    proposal = reply.assignment.proposal
    proposal.co_signers.add(co_signer)
    ProposalFactory(session=proposal.session, status="merged", merged_into=proposal)
    forms = []
    for (name, content), rater in zip(SCANS.items(), [body, co_signer], strict=True):
        form = SatisfactionFormFactory(reply=reply, rater=rater, entered_by=staff)
        form.scan.save(name, ContentFile(content))
        forms.append(form)
    SatisfactionFormFactory(
        reply=reply,
        rater=co_signer,
        result_rating=Rating.DISSATISFIED,
        voided_at="2025-06-01T08:00:00Z",
        voided_by=supervisor,
        void_reason="填错了",
    )
    Reminder.objects.create(
        kind=ReminderKind.OVERDUE, assignment=reply.assignment, sent_on="2025-06-02"
    )
    LogEntry.objects.create(
        user=supervisor,
        content_type=ContentType.objects.get_for_model(Proposal),
        object_id=str(proposal.pk),
        object_repr=str(proposal),
        action_flag=ADDITION,
        change_message="[]",
    )
    return {"forms": forms, "proposal": proposal}


def fresh_database() -> None:
    """As a database just migrated: no records but the rows the data migrations install."""
    models = archive.archived_models()
    for model in [*archive.link_tables(models), *reversed(models)]:
        model._base_manager.all()._raw_delete(connection.alias)
    import_module("proposals.migrations.0002_default_outcome_scheme").install(global_apps, None)
    import_module("offices.migrations.0002_supervisors_group").create_group(global_apps, None)
    # Installed through the real models, the classes got history rows a migration does not write.
    OutcomeClass.history.model._base_manager.all()._raw_delete(connection.alias)


def entries(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as file:
        return {name: file.read(name) for name in file.namelist()}


def manifest_of(path) -> dict:
    return json.loads(entries(path)[archive.MANIFEST])


def record_counts() -> dict[str, int]:
    models = archive.archived_models()
    return {
        model._meta.label_lower: model._base_manager.count()
        for model in [*models, *archive.link_tables(models)]
    }


def rewrite(source, target, *, change=None, manifest=None, extra=None) -> None:
    """Copy the archive `source` to `target`: entries changed by `change(name, data)` (None
    drops them), the manifest edited by `manifest(dict)`, `extra` entries added."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for name, data in entries(source).items():
            if name == archive.MANIFEST:
                content = json.loads(data)
                if manifest:
                    manifest(content)
                data = json.dumps(content).encode()
            elif change:
                data = change(name, data)
            if data is not None:
                copy.writestr(name, data)
        for name, data in (extra or {}).items():
            copy.writestr(name, data)


def restore(path, *options) -> str:
    out = io.StringIO()
    call_command("import_archive", str(path), *options, stdout=out)
    return out.getvalue()


def export(path, *options) -> str:
    out = io.StringIO()
    call_command("export_archive", str(path), *options, stdout=out, stderr=out)
    return out.getvalue()


# ------------------------------------------------------------------------------ round trip


@pytest.mark.django_db(transaction=True)
def test_round_trip_restores_every_row_link_and_scan(media, tmp_path, migration_rows):
    demo_data.generate(200, seed=3)
    records = build_records()
    before = record_counts()
    exported = export(tmp_path / "backup.zip")
    assert exported.startswith("Exported ")
    assert "and 2 scans" in exported

    call_command("flush", interactive=False)  # an empty database, its sequences back at 1
    media.MEDIA_ROOT = tmp_path / "restored-media"  # and an empty storage
    version = cache.get(caching.DATA_VERSION)
    restored = restore(tmp_path / "backup.zip")

    assert restored.startswith("Restored ")
    assert "and 2 scans" in restored
    assert record_counts() == before
    # Every row, every field, every link: a second export is the first, byte for byte.
    export(tmp_path / "again.zip")
    first, second = entries(tmp_path / "backup.zip"), entries(tmp_path / "again.zip")
    assert first.keys() == second.keys()
    for name in first.keys() - {archive.MANIFEST}:
        assert first[name] == second[name], name
    for form, content in zip(records["forms"], SCANS.values(), strict=True):
        restored_form = SatisfactionForm.objects.get(pk=form.pk)
        assert restored_form.scan.name == form.scan.name
        with default_storage.open(form.scan.name, "rb") as scan:
            assert scan.read() == content
    # Users log in with their passwords, groups and permissions hold their meaning.
    assert Group.objects.get(name=SUPERVISORS_GROUP).user_set.get().check_password("pass-word-123")
    assert Group.objects.get(name=SUPERVISORS_GROUP).permissions.get().codename == (
        "change_replyletter"
    )
    staff = HandlingUnit.objects.get(name="市文旅局").staff.get()
    assert staff.has_perm("proposals.view_proposal")
    assert LogEntry.objects.get().get_edited_object() == records["proposal"]
    assert cache.get(caching.DATA_VERSION) != version  # the cached pages are retired

    # New rows get ids after the restored ones (PostgreSQL's sequences were reset).
    last_reply = ReplyLetter.objects.latest("pk").pk
    proposal = ProposalFactory(session=Session.objects.filter(generated=False).get())
    assert proposal.pk > Proposal.objects.exclude(pk=proposal.pk).latest("pk").pk
    assert ReplyLetterFactory().pk > last_reply


@pytest.mark.django_db
def test_export_reads_a_fixed_number_of_queries_whatever_the_rows(media, tmp_path):
    build_records()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            archive.archive_export(path=tmp_path / "backup.zip")
        return len(captured)

    few = queries()
    for _ in range(5):
        proposal = ProposalFactory()
        proposal.co_signers.add(Proposer.objects.create(name="李四"))
        SatisfactionFormFactory(reply__assignment__proposal=proposal)
    assert queries() == few


@pytest.mark.django_db
def test_manifest_counts_models_and_links_and_hashes_each_scan(media, tmp_path):
    records = build_records()
    archive.archive_export(path=tmp_path / "backup.zip")
    manifest = manifest_of(tmp_path / "backup.zip")

    assert manifest["format"] == archive.FORMAT
    assert manifest["format_version"] == archive.FORMAT_VERSION
    assert manifest["counts"]["proposals.proposal"] == 2
    assert manifest["counts"]["proposals.satisfactionform"] == 3
    assert manifest["counts"]["proposals.proposal_co_signers"] == 1
    assert manifest["counts"]["offices.handlingunit_staff"] == 1
    assert manifest["migrations"]["proposals"][0] == "0001_initial"
    scan = records["forms"][0].scan.name
    digest = manifest["entries"][f"scans/{scan}"]
    assert digest["size"] == len(SCANS["paper.pdf"])
    assert len(digest["sha256"]) == 64


@pytest.mark.django_db
def test_dry_run_verifies_then_restores_nothing(media, tmp_path):
    build_records()
    archive.archive_export(path=tmp_path / "backup.zip")
    fresh_database()
    media.MEDIA_ROOT = tmp_path / "restored-media"

    assert "rolled back (dry run)" in restore(tmp_path / "backup.zip", "--dry-run")

    assert not Proposal.objects.exists()
    assert not (tmp_path / "restored-media").exists()
    restore(tmp_path / "backup.zip")  # the migrations' rows are replaced by the archive's
    assert Proposal.objects.count() == 2
    assert OutcomeScheme.objects.get().classes.count() == 7


# ------------------------------------------------------------------------------ refusals


@pytest.mark.django_db
def test_refuses_a_database_that_holds_records(media, tmp_path):
    build_records()
    archive.archive_export(path=tmp_path / "backup.zip")
    before = record_counts()

    with pytest.raises(CommandError, match=r"not empty \(it holds .*2 proposals.Proposal rows"):
        restore(tmp_path / "backup.zip")
    assert record_counts() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file"),
        (b"not a zip at all", "not a readable zip archive"),
        (b"PK\x03\x04 truncated", "not a readable zip archive"),
    ],
)
@pytest.mark.django_db
def test_refuses_a_missing_or_damaged_file(tmp_path, content, message):
    path = tmp_path / "backup.zip"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        restore(path)


@pytest.mark.django_db
def test_refuses_a_foreign_zip(tmp_path):
    with zipfile.ZipFile(tmp_path / "photos.zip", "w") as other:
        other.writestr("photo.jpg", b"\xff\xd8")
    with pytest.raises(CommandError, match="no archive of this application"):
        restore(tmp_path / "photos.zip")


@pytest.fixture
def backup(media, tmp_path):
    """An archive of a few records, and a database and storage as freshly set up."""
    build_records()
    path = tmp_path / "backup.zip"
    archive.archive_export(path=path)
    fresh_database()
    media.MEDIA_ROOT = tmp_path / "restored-media"
    return path


def scan_entry(path) -> str:
    return next(name for name in entries(path) if name.startswith(archive.SCANS))


def assert_nothing_restored(tmp_path):
    assert not Proposal.objects.exists()
    assert not list((tmp_path / "restored-media").rglob("*.*"))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.update(format_version=2), "format version 2"),
        (lambda m: m.update(models=m["models"][:-1]), "holds the models"),
        (lambda m: m["migrations"]["proposals"].append("0099_future"), "not migrated as"),
        (lambda m: m["counts"].update({"proposals.proposal": 3}), "manifest counts 3"),
        (lambda m: m["entries"].pop("data/proposals.reminder.jsonl"), "do not match its manifest"),
    ],
)
@pytest.mark.django_db
def test_refuses_a_manifest_that_does_not_fit(backup, tmp_path, edit, message):
    rewrite(backup, tmp_path / "edited.zip", manifest=edit)
    with pytest.raises(CommandError, match=message):
        restore(tmp_path / "edited.zip")
    assert_nothing_restored(tmp_path)


@pytest.mark.django_db
def test_a_scan_whose_checksum_does_not_match_changes_nothing(backup, tmp_path):
    damaged = scan_entry(backup)
    rewrite(
        backup,
        tmp_path / "damaged.zip",
        change=lambda name, data: data[:-1] + b"!" if name == damaged else data,
    )
    with pytest.raises(CommandError, match=f"{damaged} is damaged"):
        restore(tmp_path / "damaged.zip")
    assert_nothing_restored(tmp_path)


@pytest.mark.django_db
def test_a_corrupted_entry_changes_nothing(backup, tmp_path):
    """Bytes flipped inside the compressed replies (a bad disk, a broken transfer)."""
    content = bytearray(backup.read_bytes())
    with zipfile.ZipFile(backup) as file:
        info = file.getinfo("data/proposals.replyletter.jsonl")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    content[start + info.compress_size // 2] ^= 0xFF
    (tmp_path / "corrupted.zip").write_bytes(content)

    with pytest.raises(CommandError, match=r"replyletter\.jsonl: |not a readable zip archive"):
        restore(tmp_path / "corrupted.zip")
    assert_nothing_restored(tmp_path)


@pytest.mark.django_db
def test_damaged_rows_roll_back_what_was_loaded(backup, tmp_path):
    """The rows of replies are checked as they are read, after the proposals were loaded:
    all of it rolls back."""
    rewrite(
        backup,
        tmp_path / "damaged.zip",
        change=lambda name, data: (
            data.replace("答复正文".encode(), "答覆正文".encode())
            if name == "data/proposals.replyletter.jsonl"
            else data
        ),
    )
    with pytest.raises(CommandError, match=r"replyletter\.jsonl is damaged"):
        restore(tmp_path / "damaged.zip")
    assert_nothing_restored(tmp_path)
    assert not Group.objects.filter(user__isnull=False).exists()
    assert OutcomeScheme.objects.exists()  # the migrations' rows are back


@pytest.mark.django_db
def test_rows_the_database_refuses_change_nothing(backup, tmp_path):
    """A row that names a permission this database lacks: a clear error, no traceback."""

    def unknown_permission(name, data):
        if name != "data/auth.user.jsonl":
            return data
        return data.replace(b'"view_proposal"', b'"fly_proposal"')

    rewrite(
        backup,
        tmp_path / "foreign.zip",
        change=unknown_permission,
        manifest=lambda m: m["entries"]["data/auth.user.jsonl"].update(
            archive._copy(
                io.BytesIO(
                    unknown_permission(
                        "data/auth.user.jsonl", entries(backup)["data/auth.user.jsonl"]
                    )
                )
            )
        ),
    )
    with pytest.raises(CommandError, match=r"data/auth\.user\.jsonl: .*does not exist"):
        restore(tmp_path / "foreign.zip")
    assert_nothing_restored(tmp_path)


@pytest.mark.parametrize("name", ["scans/../../escaped.pdf", "/tmp/escaped.pdf", "scans//x.pdf"])
@pytest.mark.django_db
def test_refuses_entry_names_that_leave_the_storage(backup, tmp_path, name):
    content = b"%PDF-1.4 evil"
    rewrite(
        backup,
        tmp_path / "evil.zip",
        extra={name: content},
        manifest=lambda m: m["entries"].update({name: archive._copy(io.BytesIO(content))}),
    )
    with pytest.raises(CommandError, match="unsafe file name"):
        restore(tmp_path / "evil.zip")
    assert_nothing_restored(tmp_path)
    assert not (tmp_path / "escaped.pdf").exists()


@pytest.mark.django_db
def test_refuses_a_zip_bomb_before_reading_it(backup, tmp_path):
    name = "scans/forms/2025/01/bomb.pdf"
    bomb = bytes(20 * 1024 * 1024)  # 20 MB of zeros deflate to some 20 kB
    rewrite(
        backup,
        tmp_path / "bomb.zip",
        extra={name: bomb},
        manifest=lambda m: m["entries"].update({name: archive._copy(io.BytesIO(bomb))}),
    )
    with pytest.raises(CommandError, match="inflates implausibly"):
        restore(tmp_path / "bomb.zip")
    assert_nothing_restored(tmp_path)


@pytest.mark.django_db
def test_refuses_a_scan_no_form_names(backup, tmp_path):
    name = "scans/forms/2025/01/stray.pdf"
    content = b"%PDF-1.4 stray"
    rewrite(
        backup,
        tmp_path / "stray.zip",
        extra={name: content},
        manifest=lambda m: m["entries"].update({name: archive._copy(io.BytesIO(content))}),
    )
    with pytest.raises(CommandError, match="scans do not match"):
        restore(tmp_path / "stray.zip")
    assert_nothing_restored(tmp_path)


@pytest.mark.django_db
def test_another_file_under_a_scans_name_is_kept_and_nothing_restored(backup, tmp_path):
    scans = sorted(n.removeprefix(archive.SCANS) for n in entries(backup) if n.startswith("scans/"))
    default_storage.save(scans[-1], ContentFile(b"someone else's file"))

    with pytest.raises(CommandError, match=f"already holds another file named {scans[-1]}"):
        restore(backup)

    assert not Proposal.objects.exists()
    assert not default_storage.exists(scans[0])  # written, then deleted
    with default_storage.open(scans[-1]) as kept:
        assert kept.read() == b"someone else's file"


# ------------------------------------------------------------------------------ export


@pytest.mark.django_db
def test_export_refuses_to_overwrite_a_file(media, tmp_path):
    (tmp_path / "backup.zip").write_bytes(b"an older backup")
    with pytest.raises(CommandError, match="exists"):
        export(tmp_path / "backup.zip")
    assert (tmp_path / "backup.zip").read_bytes() == b"an older backup"
    assert export(tmp_path / "backup.zip", "--overwrite").startswith("Exported")


@pytest.mark.django_db
def test_a_scan_missing_from_the_storage_is_reported_and_the_rest_restores(media, tmp_path):
    records = build_records()
    lost = records["forms"][0].scan.name
    default_storage.delete(lost)

    output = export(tmp_path / "backup.zip")

    assert f"Scan missing from the storage, not archived: {lost}" in output
    assert "1 scans missing" in output
    assert manifest_of(tmp_path / "backup.zip")["missing_scans"] == [lost]
    fresh_database()
    media.MEDIA_ROOT = tmp_path / "restored-media"
    restore(tmp_path / "backup.zip")
    assert SatisfactionForm.objects.filter(scan=lost).exists()
    assert default_storage.exists(records["forms"][1].scan.name)
