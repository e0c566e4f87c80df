"""`manage.py import_letters`: the JSON of a dry run, one transaction per file, no duplicates,
the progress bar and the summary."""

import json
import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from offices.models import HandlingUnit
from proposals import services
from proposals.letters.reader import read_letter
from proposals.letters.writer import letter_docx
from proposals.management.commands import import_letters
from proposals.management.commands.import_letters import JSON_FIELDS
from proposals.models import (
    Disclosure,
    Proposal,
    ProposalStatus,
    ReplyLetter,
    SatisfactionForm,
    Session,
)
from tests.factories import AssignmentFactory, HandlingUnitFactory, ProposalFactory
from tests.proposals.test_letter_reader import make_letter

pytestmark = pytest.mark.django_db

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def run(*args, stderr: StringIO | None = None) -> str:
    out = StringIO()
    call_command("import_letters", *map(str, args), stdout=out, stderr=stderr or StringIO())
    return out.getvalue()


def dry_run_json(*paths) -> list[dict]:
    output = run("--dry-run", "--format", "json", *paths)
    return [json.loads(line) for line in output.splitlines()]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------ dry run


def test_dry_run_prints_one_json_object_per_file_and_writes_nothing():
    objects = {Path(o["file"]).name[:3]: o for o in dry_run_json(SEEDS)}
    assert sorted(objects) == ["000", "001", "002", "003", "004"]
    assert all(list(o) == JSON_FIELDS for o in objects.values())
    assert objects["001"] | {"file": None} == {
        "file": None,
        "doc_number": "景国试管办案字〔2025〕1号",
        "outcome_class": "A3",
        "committee_level": "市",
        "term": 14,
        "meeting": 5,
        "proposal_number": "010",
        "addressee": "尊敬的李辉松委员",
        "proposal_title": "关于统筹发展景德镇日用陶瓷产业的建议",
        "unit": "国家试验区管委会办公室",
        "signed_on": "2025-04-29",
        "copied_to": ["市政协提案委员会", "市政府督查室"],
        "signer": None,
        "contact_name": "洪迈",
        "contact_phone": "15107989915",
        "is_co_handling": False,
        "warnings": [],
    }
    assert objects["003"]["proposal_number"] == "165"
    assert any("提案标题" in warning for warning in objects["003"]["warnings"])
    news = objects["000"]
    assert news["doc_number"] is None and news["warnings"][0].startswith("不是答复函")
    assert not ReplyLetter.objects.exists() and not Proposal.objects.exists()


def test_dry_run_warns_about_a_class_no_scheme_knows(tmp_path):
    path = write(tmp_path, "z.txt", make_letter(**{"class": "分类：Z9"}))
    (letter,) = dry_run_json(path)
    assert letter["outcome_class"] == "Z9"
    assert any("Z9" in warning and "分类方案" in warning for warning in letter["warnings"])


def test_dry_run_reads_variants_as_printed(tmp_path):
    text = make_letter(
        doc="景文广旅字〔2024〕27号C类",
        **{"class": "签发人：王五"},
        title="## 关于市政协十四届四次会议第2024D048号提案会办意见的函",
        copies="抄报：市政协提案委员会。",
    )
    (letter,) = dry_run_json(write(tmp_path, "v.md", text))
    assert letter["outcome_class"] == "C"
    assert (letter["term"], letter["meeting"]) == (14, 4)
    assert letter["proposal_number"] == "2024D048"
    assert letter["is_co_handling"] is True
    assert letter["copied_to"] == ["市政协提案委员会"]
    assert letter["signer"] == "王五"


# ------------------------------------------------------------------------------- import


def test_imports_the_seeds_once_and_recognises_them_again(tmp_path):
    output = run(SEEDS)
    assert "Summary: 3 imported, 0 updated, 2 skipped, 0 failed (5 files)." in output
    assert ReplyLetter.objects.count() == 3
    assert SatisfactionForm.objects.count() == 1
    again = run(SEEDS)
    assert "Summary: 0 imported, 0 updated, 5 skipped, 0 failed (5 files)." in again
    assert "已导入过" in again
    assert ReplyLetter.objects.count() == 3 and SatisfactionForm.objects.count() == 1


def test_a_changed_file_updates_its_letter(tmp_path):
    path = write(tmp_path, "a.txt", make_letter())
    run(path)
    write(tmp_path, "a.txt", make_letter(body="一是加强统筹。\n\n二是完善政策。\n\n三是强化保障。"))
    assert "1 updated" in run(path)
    reply = ReplyLetter.objects.get()
    assert reply.body.endswith("三是强化保障。")


def test_the_disclosure_mark_is_kept(tmp_path):
    run(write(tmp_path, "a.txt", make_letter(after="主动公开")))
    assert ReplyLetter.objects.get().disclosure == Disclosure.ACTIVE


def test_a_bad_file_changes_nothing_and_the_others_go_in(tmp_path):
    write(tmp_path, "1-good.txt", make_letter())
    write(tmp_path, "2-no-number.txt", make_letter(title="关于市政协十四届五次会议提案答复的函"))
    (tmp_path / "3-broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    write(tmp_path, "4-good.txt", make_letter(doc="景国试管办案字〔2025〕2号", title=TITLE_11))
    output = run(tmp_path)
    assert "Summary: 2 imported, 0 updated, 0 skipped, 2 failed (4 files)." in output
    assert "2-no-number.txt: failed" in output and "提案编号" in output
    assert "3-broken.docx: failed" in output
    assert sorted(Proposal.objects.values_list("number", flat=True)) == [10, 11]


TITLE_11 = "关于市政协十四届五次会议第011号提案答复的函"


def test_a_database_error_rolls_back_that_file_only(tmp_path, monkeypatch):
    write(tmp_path, "1.txt", make_letter())
    write(tmp_path, "2.txt", make_letter(doc="景国试管办案字〔2025〕2号", title=TITLE_11))
    real_reply = services.LetterBatch._reply

    def fail_on_the_second(batch, letter, *args, **kwargs):
        result = real_reply(batch, letter, *args, **kwargs)
        if letter.proposal_number == "011":
            batch.flush()  # the rows are written, then the file fails
            raise IntegrityError("simulated")
        return result

    monkeypatch.setattr(services.LetterBatch, "_reply", fail_on_the_second)
    output = run(tmp_path)
    assert "2.txt: failed" in output and "simulated" in output
    assert list(Proposal.objects.values_list("number", flat=True)) == [10]
    assert ReplyLetter.objects.count() == 1


def test_rows_a_failed_file_added_are_not_reused(tmp_path, monkeypatch):
    # The run remembers the session, unit and proposer it adds only once they are committed.
    write(tmp_path, "1.txt", make_letter())
    write(tmp_path, "2.txt", make_letter(doc="景国试管办案字〔2025〕2号", title=TITLE_11))
    real_reply = services.LetterBatch._reply

    def fail_on_the_first(batch, letter, *args, **kwargs):
        if letter.proposal_number == "010":
            raise IntegrityError("simulated")
        return real_reply(batch, letter, *args, **kwargs)

    monkeypatch.setattr(services.LetterBatch, "_reply", fail_on_the_first)
    output = run(tmp_path)
    assert "1 imported" in output and "1 failed" in output
    reply = ReplyLetter.objects.select_related("unit", "assignment__proposal__session").get()
    assert reply.unit.name == "国家试验区管委会办公室"
    assert reply.assignment.proposal.number == 11
    assert HandlingUnit.objects.count() == Session.objects.count() == 1


def test_missing_and_unsupported_paths_are_reported(tmp_path):
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    output = run(tmp_path / "nowhere.txt", tmp_path / "old.doc")
    assert "nowhere.txt: failed" in output
    assert "old.doc: failed" in output and ".docx" in output
    assert "0 imported, 0 updated, 0 skipped, 2 failed" in output


def test_json_output_of_a_real_import_carries_the_status(tmp_path):
    path = write(tmp_path, "a.txt", make_letter())
    errors = StringIO()
    output = run("--format", "json", path, stderr=errors)
    (line,) = [json.loads(line) for line in output.splitlines()]
    assert line["status"] == "imported" and line["doc_number"] == "景国试管办案字〔2025〕1号"
    assert "1 imported" in errors.getvalue()  # the summary keeps stdout pure JSON


def test_progress_bar_on_stderr(tmp_path):
    for name in "abc":
        shutil.copy(next(SEEDS.glob("001_*")), tmp_path / f"{name}.txt")
    errors = StringIO()
    run("--progress", "--verbosity", "0", tmp_path, stderr=errors)
    assert "3/3" in errors.getvalue()


# ---------------------------------------------------------------------------- round trip


def test_a_produced_letter_reads_back_as_the_letter_it_came_from(tmp_path):
    run(SEEDS)
    reply = ReplyLetter.objects.get(doc_number="景国试管办案字〔2025〕1号")
    produced = tmp_path / "produced.docx"
    produced.write_bytes(letter_docx(reply))
    (original,) = dry_run_json(next(SEEDS.glob("001_*")))
    (again,) = dry_run_json(produced)
    assert again | {"file": None} == original | {"file": None}


def test_an_undated_letter_reads_back(tmp_path):
    run(SEEDS)
    ReplyLetter.objects.update(signed_on=None)
    reply = ReplyLetter.objects.get(doc_number="景国试管办案字〔2025〕1号")
    (tmp_path / "undated.docx").write_bytes(letter_docx(reply))
    (letter,) = dry_run_json(tmp_path / "undated.docx")
    assert (letter["unit"], letter["signed_on"]) == ("国家试验区管委会办公室", None)


def test_produced_letters_import_back_unchanged(tmp_path):
    run(SEEDS)
    ReplyLetter.objects.update(disclosure=Disclosure.ACTIVE, signer="王五")
    for reply in ReplyLetter.objects.all():
        (tmp_path / f"{reply.pk}.docx").write_bytes(letter_docx(reply))
    # Unchanged means every field the import writes came back equal, the body included.
    assert "0 imported, 0 updated, 3 skipped, 0 failed" in run(tmp_path)


# ------------------------------------------------------------- what an import never does


def test_a_document_number_used_for_another_proposal_is_refused(tmp_path):
    run(write(tmp_path, "a.txt", make_letter()))
    output = run(write(tmp_path, "b.txt", make_letter(title=TITLE_11)))
    assert "b.txt: failed" in output and "已登记为市政协十四届五次会议第010号提案的答复" in output
    reply = ReplyLetter.objects.get()
    assert reply.assignment.proposal.number == 10
    assert not Proposal.objects.filter(number=11).exists()


def test_what_a_letter_does_not_print_is_not_erased(tmp_path):
    run(write(tmp_path, "a.txt", make_letter()))
    assert "1 skipped" in run(write(tmp_path, "b.txt", make_letter(contact=None)))
    assert ReplyLetter.objects.get().contact_phone == "15107989915"


def test_letters_without_a_number_are_told_apart_by_their_date(tmp_path):
    undated = {"doc": None}
    run(write(tmp_path, "a.txt", make_letter(**undated)))
    assert "1 skipped" in run(tmp_path / "a.txt")
    run(write(tmp_path, "b.txt", make_letter(**undated, signed="2025年8月1日")))
    assert list(ReplyLetter.objects.order_by("round").values_list("round", flat=True)) == [1, 2]


def test_the_unit_is_found_by_its_full_name_and_the_proposal_reads_replied(tmp_path):
    unit = HandlingUnitFactory(name="试验区办", full_name="国家试验区管委会办公室")
    assignment = AssignmentFactory(unit=unit, proposal=ProposalFactory(number=10))
    Proposal.objects.update(status=ProposalStatus.ASSIGNED)
    run(write(tmp_path, "a.txt", make_letter()))
    assert ReplyLetter.objects.get().assignment == assignment
    assert HandlingUnit.objects.count() == 1
    assert Proposal.objects.get().status == ProposalStatus.REPLIED


def test_a_letter_from_a_unit_the_proposal_was_not_given_to_is_warned_about(tmp_path):
    AssignmentFactory(proposal=ProposalFactory(number=10), unit__name="市教育局")
    output = run(write(tmp_path, "a.txt", make_letter()))
    assert "该提案原由市教育局主办，现按函增加国家试验区管委会办公室为主办单位" in output


def test_a_form_already_returned_is_never_replaced_by_the_files(tmp_path):
    run(next(SEEDS.glob("003_*")))
    SatisfactionForm.objects.update(comments="委员本人的意见")
    run(next(SEEDS.glob("003_*")))
    assert SatisfactionForm.objects.get().comments == "委员本人的意见"


def test_publish_keeps_letters_marked_not_for_disclosure_unpublished(tmp_path):
    output = run("--publish", write(tmp_path, "a.txt", make_letter(after="（此件不予公开）")))
    assert "不予公开" in output
    assert not ReplyLetter.objects.get().is_published


def test_a_reader_failure_fails_that_file_and_the_run_goes_on(tmp_path, monkeypatch):
    write(tmp_path, "1.txt", make_letter(title="关于市政协二十0届五次会议第010号提案答复的函"))
    write(tmp_path, "2.txt", make_letter(doc="景国试管办案字〔2025〕2号", title=TITLE_11))
    output = run(tmp_path)
    assert "1 imported" in output and "1 failed" in output  # no session: 函中缺少会议届次

    def broken(text):
        raise KeyError(1)

    monkeypatch.setattr(import_letters, "read_letter", broken)
    output = run(tmp_path)
    assert "2 failed" in output and "读取时出错（KeyError）" in output


def test_json_names_files_whose_names_are_not_utf8(tmp_path):
    name = os.fsdecode(b"bad\xff.txt")
    write(tmp_path, name, make_letter())
    (line,) = dry_run_json(tmp_path)
    assert line["file"].endswith("bad\ufffd.txt")
    json.dumps(line).encode("utf-8")  # printable


# ------------------------------------------------------------------ letters imported together


def test_a_batch_repeating_a_letter_imports_it_once(tmp_path):
    write(tmp_path, "1.txt", make_letter())
    write(tmp_path, "2.txt", make_letter(contact=None))
    output = run(tmp_path)
    assert "1 imported, 0 updated, 1 skipped" in output
    assert ReplyLetter.objects.get().contact_phone == "15107989915"


def test_a_number_used_twice_in_a_batch_fails_the_second_letter_and_it_adds_nothing(tmp_path):
    write(tmp_path, "1.txt", make_letter())
    # In a session the database does not have yet: it stays so.
    write(tmp_path, "2.txt", make_letter(title="关于市政协十三届一次会议第011号提案答复的函"))
    write(tmp_path, "3.txt", make_letter(doc="景国试管办案字〔2025〕2号", title=TITLE_11))
    output = run(tmp_path)
    assert "2 imported, 0 updated, 0 skipped, 1 failed" in output
    assert "2.txt: failed" in output and "已登记为市政协十四届五次会议第010号提案的答复" in output
    assert list(Session.objects.values_list("term", flat=True)) == [14]
    assert sorted(Proposal.objects.values_list("number", flat=True)) == [10, 11]


def test_letters_without_a_number_in_one_batch_are_told_apart_by_their_date(tmp_path):
    write(tmp_path, "1.txt", make_letter(doc=None))
    write(tmp_path, "2.txt", make_letter(doc=None))
    write(tmp_path, "3.txt", make_letter(doc=None, signed="2025年8月1日"))
    assert "2 imported, 0 updated, 1 skipped" in run(tmp_path)
    rounds = ReplyLetter.objects.order_by("round").values_list("round", "signed_on__month")
    assert list(rounds) == [(1, 4), (2, 8)]


def test_a_rehandled_proposal_reads_replied_once_every_unit_answered_again(tmp_path):
    proposal = ProposalFactory(number=10, status=ProposalStatus.REHANDLING)
    for name in ["国家试验区管委会办公室", "市教育局"]:
        assignment = AssignmentFactory(proposal=proposal, unit__name=name, rehandling_round=2)
        ReplyLetter.objects.create(
            assignment=assignment, unit=assignment.unit, title="第一轮", addressee="委员"
        )
    write(tmp_path, "1.txt", make_letter(doc=None, signed="2025年8月1日"))
    run(tmp_path)
    assert Proposal.objects.get().status == ProposalStatus.REHANDLING  # 市教育局 owes one
    write(tmp_path, "2.txt", make_letter(doc=None, unit="市教育局", signed="2025年8月2日"))
    run(tmp_path)
    assert Proposal.objects.get().status == ProposalStatus.REPLIED
    assert sorted(ReplyLetter.objects.values_list("round", flat=True)) == [1, 1, 2, 2]


def test_rows_a_rolled_back_batch_added_are_not_reused(tmp_path, monkeypatch):
    # The session the first letter adds, the second finds by another name of its committee;
    # the third fails, and the batch is imported again file by file.
    monkeypatch.setattr(import_letters, "FILES_PER_COMMIT", 3)
    write(tmp_path, "1.txt", make_letter())
    write(tmp_path, "2.txt", make_letter(doc="景国试管办案字〔2025〕2号", title=OTHER_NAME_11))
    write(tmp_path, "3.txt", make_letter(doc="景国试管办案字〔2025〕3号", title=TITLE_12))
    write(tmp_path, "4.txt", make_letter(doc="景国试管办案字〔2025〕4号", title=OTHER_NAME_13))
    real_reply = services.LetterBatch._reply

    def fail_on_012(batch, letter, *args, **kwargs):
        if letter.proposal_number == "012":
            raise IntegrityError("simulated")
        return real_reply(batch, letter, *args, **kwargs)

    monkeypatch.setattr(services.LetterBatch, "_reply", fail_on_012)
    output = run(tmp_path)
    assert "3 imported, 0 updated, 0 skipped, 1 failed" in output
    assert sorted(Proposal.objects.values_list("number", flat=True)) == [10, 11, 13]
    assert Session.objects.count() == 1 and HandlingUnit.objects.count() == 1


def test_a_batch_rolled_back_leaves_the_run_nothing_to_remember(monkeypatch):
    letters = [
        read_letter(make_letter()),
        read_letter(make_letter(doc="景国试管办案字〔2025〕2号", title=OTHER_NAME_11)),
        read_letter(make_letter(doc="景国试管办案字〔2025〕3号", title=TITLE_12)),
    ]
    real_reply = services.LetterBatch._reply

    def fail_on_012(batch, letter, *args, **kwargs):
        if letter.proposal_number == "012":
            raise IntegrityError("simulated")
        return real_reply(batch, letter, *args, **kwargs)

    monkeypatch.setattr(services.LetterBatch, "_reply", fail_on_012)
    lookups = services.ImportLookups()
    with pytest.raises(IntegrityError):
        services.letters_import(letters, lookups=lookups)
    assert not Session.objects.exists() and not HandlingUnit.objects.exists()
    # Not the session the second letter found under another name either.
    assert [key for key in lookups.rows if key[0] != "outcome class"] == []


TITLE_12 = "关于市政协十四届五次会议第012号提案答复的函"
OTHER_NAME_11 = "关于景德镇市政协十四届五次会议第011号提案答复的函"
OTHER_NAME_13 = "关于景德镇市政协十四届五次会议第013号提案答复的函"


# ---------------------------------------------------------------------------------- speed


def test_new_letters_take_the_same_statements_however_many(tmp_path):
    """The statements are the batch's, not the letter's: what the letters name is read at
    once, and the rows they add are inserted together."""
    counts = []
    for count, meeting, unit in [(3, "四", "市教育局"), (40, "五", "市财政局")]:
        folder = tmp_path / meeting
        folder.mkdir()
        for number in range(1, count + 1):
            title = f"关于市政协十四届{meeting}次会议第{number:03d}号提案答复的函"
            doc = f"景国试管办案字〔2025〕{number}号"
            addressee = f"尊敬的委员{number}："  # a proposer of its own
            text = make_letter(doc=doc, title=title, unit=unit, addressee=addressee)
            write(folder, f"{number}.txt", text)
        with CaptureQueriesContext(connection) as queries:
            output = run(folder)
        assert f"{count} imported" in output
        counts.append(len(queries))
    # The outcome classes the command knows; the session (by its committee, by its term
    # and meeting), the unit and the proposers looked for; the session and the unit added;
    # the letters' class; the proposers, proposals, assignments and replies inserted, and
    # the history of the last three (proposals.history); the savepoint of the batch and its
    # release. Neither the proposals nor the document numbers are looked for: the session
    # and the unit are new, and nothing of theirs can be there.
    assert counts == [17, 17]


def test_unchanged_letters_take_the_same_statements_however_many(tmp_path):
    counts = []
    for count in [3, 40]:
        folder = tmp_path / str(count)
        folder.mkdir()
        for number in range(1, count + 1):
            title = f"关于市政协十四届五次会议第{count}{number:03d}号提案答复的函"
            doc = f"景国试管办案字〔{2000 + count}〕{number}号"
            write(folder, f"{number}.txt", make_letter(doc=doc, title=title))
        run(folder)
        with CaptureQueriesContext(connection) as queries:
            output = run(folder)
        assert f"{count} skipped" in output
        counts.append(len(queries))
    # The outcome classes (the command's, the import's), the session, the unit, the
    # proposer, the proposals, their assignments and their replies, each read once; the
    # savepoint of the batch and its release.
    assert counts == [10, 10]
