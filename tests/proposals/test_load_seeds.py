"""`manage.py load_seeds` creates what the three seed letters describe, once."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from offices.models import HandlingUnit
from proposals.models import (
    Assignment,
    Proposal,
    ProposalStatus,
    Proposer,
    ProposerKind,
    Rating,
    ReplyLetter,
    SatisfactionForm,
    Session,
)

pytestmark = pytest.mark.django_db

COPIED_TO = ["市政协提案委员会", "市政府督查室"]


@pytest.fixture
def output():
    out = StringIO()
    call_command("load_seeds", stdout=out)
    return out.getvalue()


def reply(doc_number: str) -> ReplyLetter:
    return ReplyLetter.objects.select_related(
        "assignment__proposal__session", "assignment__proposal__proposer", "outcome_class", "unit"
    ).get(doc_number=doc_number)


def test_letter_001_proposal_10_of_the_fifth_meeting(output):
    letter = reply("景国试管办案字〔2025〕1号")
    proposal = letter.assignment.proposal
    assert letter.outcome_class.code == "A3"
    assert str(proposal.session) == "市政协十四届五次会议"
    assert (proposal.number, proposal.printed_number) == (10, "010")
    assert proposal.proposer.name == "李辉松"
    assert proposal.proposer.kind == ProposerKind.MEMBER
    assert proposal.title == letter.proposal_title == "关于统筹发展景德镇日用陶瓷产业的建议"
    assert proposal.status == ProposalStatus.REPLIED
    assert letter.unit.name == letter.signing_unit == "国家试验区管委会办公室"
    assert letter.assignment.unit == letter.unit
    assert letter.signed_on == datetime.date(2025, 4, 29)
    assert letter.copied_to == COPIED_TO
    assert (letter.contact_name, letter.contact_phone) == ("洪迈", "15107989915")
    assert letter.title == "关于市政协十四届五次会议第010号提案答复的函"
    assert letter.addressee == "尊敬的李辉松委员"
    assert (letter.doc_year, letter.doc_sequence, letter.round) == (2025, 1, 1)
    assert letter.is_published
    assert "— 2 —" not in letter.body
    assert letter.body.startswith("您提出的《关于统筹发展景德镇日用陶瓷产业的建议》提案已收悉")


def test_letter_003_with_its_filled_form(output):
    letter = reply("景国试管办案字〔2024〕3号")
    proposal = letter.assignment.proposal
    assert letter.outcome_class.code == "A1"
    assert str(proposal.session) == "市政协十四届四次会议"
    assert proposal.number == 165
    assert proposal.proposer.name == "民革市委会"
    assert proposal.proposer.kind == ProposerKind.BODY
    assert letter.signed_on == datetime.date(2024, 5, 16)
    assert (letter.contact_name, letter.contact_phone) == ("李恒", "18079838926")
    form = SatisfactionForm.objects.get(reply=letter)
    assert form.rater == proposal.proposer
    assert (form.attitude_rating, form.result_rating) == (Rating.SATISFIED, Rating.SATISFIED)
    assert form.comments == "谢谢"
    assert form.signed_on is None  # the member left the date blank
    assert (proposal.proposer.address, proposal.proposer.phone) == (
        "昌江区珠山大道1697号",
        "0798-8226265",
    )


def test_form_title_mismatch_is_kept_and_flagged(output):
    form = SatisfactionForm.objects.get()
    assert form.reply.proposal_title == "关于发挥陶瓷文化符号优势 推进陶瓷文化国际传播的建议"
    assert form.proposal_title_on_form == "关于发挥陶瓷文化资源优势 推进陶瓷文化国际化的建议"
    assert form.has_title_mismatch
    assert "不一致" in output


def test_letter_004_proposal_17(output):
    letter = reply("景国试管办案字〔2025〕2号")
    proposal = letter.assignment.proposal
    assert letter.outcome_class.code == "A1"
    assert (proposal.number, proposal.printed_number) == (17, "017")
    assert proposal.proposer.name == "民盟市委会"
    assert letter.signed_on == datetime.date(2025, 5, 29)
    assert (letter.contact_name, letter.contact_phone) == ("王凌莉", "13507985566")
    assert proposal.session == reply("景国试管办案字〔2025〕1号").assignment.proposal.session


def test_news_articles_are_skipped_with_a_message(output):
    assert "000_115f34327fef69f1.txt: skipped, not a reply letter" in output
    assert "002_53ccd35474a15907.txt: skipped, not a reply letter" in output
    assert ReplyLetter.objects.count() == 3


def counts():
    models = [Session, Proposer, Proposal, HandlingUnit, Assignment, ReplyLetter, SatisfactionForm]
    return {model.__name__: model.objects.count() for model in models}


def snapshot():
    return [
        list(model.objects.order_by("pk").values())
        for model in [Proposer, Proposal, ReplyLetter, SatisfactionForm]
    ]


def test_running_twice_changes_nothing(output):
    before_counts, before_rows = counts(), snapshot()
    out = StringIO()
    call_command("load_seeds", stdout=out)
    assert counts() == before_counts
    assert snapshot() == before_rows
    assert "0 created, 0 updated, 3 unchanged" in out.getvalue()
    assert before_counts == {
        "Session": 2,
        "Proposer": 3,
        "Proposal": 3,
        "HandlingUnit": 1,
        "Assignment": 3,
        "ReplyLetter": 3,
        "SatisfactionForm": 1,
    }


def test_dry_run_writes_nothing():
    out = StringIO()
    call_command("load_seeds", "--dry-run", stdout=out)
    assert ReplyLetter.objects.count() == 0
    assert "Dry run: nothing was written." in out.getvalue()


def test_staff_edits_survive_a_reload(output):
    Proposer.objects.filter(name="民革市委会").update(phone="0798-0000000")
    call_command("load_seeds", stdout=StringIO())
    assert Proposer.objects.get(name="民革市委会").phone == "0798-0000000"


def test_admin_edits_survive_a_reload(output):
    letter = reply("景国试管办案字〔2025〕1号")
    ReplyLetter.objects.filter(pk=letter.pk).update(is_published=False, contact_phone="0798-1")
    SatisfactionForm.objects.update(attitude_rating=Rating.DISSATISFIED)
    call_command("load_seeds", stdout=StringIO())
    letter.refresh_from_db()
    assert (letter.is_published, letter.contact_phone) == (False, "0798-1")
    assert SatisfactionForm.objects.get().attitude_rating == Rating.DISSATISFIED
