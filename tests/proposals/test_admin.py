"""The admin as each role sees it: unit staff are held to their own unit, by list, URL and form."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from proposals import forms as forms_module
from proposals.admin import EstimatedCountPaginator
from proposals.models import FormChannel, OutcomeClass, Rating, ReplyLetter, SatisfactionForm
from tests.factories import (
    AssignmentFactory,
    HandlingUnitFactory,
    ProposalFactory,
    ProposerFactory,
    ReplyLetterFactory,
    SatisfactionFormFactory,
    SupervisorFactory,
    UserFactory,
    unit_staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_units():
    """Unit A and unit B, each with one assignment, one reply and one form."""
    unit_a = HandlingUnitFactory(name="国家试验区管委会办公室")
    unit_b = HandlingUnitFactory(name="市文化广电新闻出版旅游局")
    form_a = SatisfactionFormFactory(
        reply__assignment__unit=unit_a, reply__doc_number="甲字〔2025〕1号"
    )
    form_b = SatisfactionFormFactory(
        reply__assignment__unit=unit_b, reply__doc_number="乙字〔2025〕1号"
    )
    return {"a": unit_a, "b": unit_b, "form_a": form_a, "form_b": form_b}


def admin_url(model: str, action: str, *args) -> str:
    return reverse(f"admin:proposals_{model}_{action}", args=args)


def reply_post_data(assignment, **overrides) -> dict:
    data = {
        "assignment": assignment.pk,
        "round": 1,
        "doc_number": "甲字〔2025〕9号",
        "title": "关于提案答复的函",
        "addressee": "尊敬的委员",
        "proposal_title": assignment.proposal.title,
        "body": "正文",
        "signing_unit": assignment.unit.name,
        "signed_on": "2025-04-29",
        "copied_to": "市政协提案委员会，市政府督查室。",
        "contact_name": "洪迈",
        "contact_phone": "15107989915",
    }
    data.update(overrides)
    return data


class TestUnitStaffScope:
    @pytest.mark.parametrize(
        ("model", "own", "other"),
        [
            ("replyletter", "甲字〔2025〕1号", "乙字〔2025〕1号"),
            ("assignment", "国家试验区管委会办公室", "市文化广电新闻出版旅游局"),
        ],
    )
    def test_lists_show_only_own_unit(self, client, two_units, model, own, other):
        client.force_login(unit_staff(two_units["a"]))
        page = client.get(admin_url(model, "changelist")).content.decode()
        assert own in page
        assert other not in page

    def test_proposals_and_forms_lists_show_only_own_unit(self, client, two_units):
        client.force_login(unit_staff(two_units["a"]))
        own, other = two_units["form_a"], two_units["form_b"]
        proposals = client.get(admin_url("proposal", "changelist")).content.decode()
        assert own.reply.assignment.proposal.title in proposals
        assert other.reply.assignment.proposal.title not in proposals
        forms = client.get(admin_url("satisfactionform", "changelist")).content.decode()
        assert str(own.rater) in forms
        assert str(other.rater) not in forms

    @pytest.mark.parametrize("model", ["replyletter", "satisfactionform", "assignment", "proposal"])
    def test_other_units_rows_cannot_be_opened_by_url(self, client, two_units, model):
        client.force_login(unit_staff(two_units["a"]))
        form_b = two_units["form_b"]
        row = {
            "replyletter": form_b.reply,
            "satisfactionform": form_b,
            "assignment": form_b.reply.assignment,
            "proposal": form_b.reply.assignment.proposal,
        }[model]
        response = client.get(admin_url(model, "change", row.pk))
        assert response.status_code == 302  # "does not exist", back to the index
        assert response.url == reverse("admin:index")

    def test_reply_for_another_units_assignment_is_refused(self, client, two_units):
        client.force_login(unit_staff(two_units["a"]))
        foreign = two_units["form_b"].reply.assignment
        response = client.post(admin_url("replyletter", "add"), reply_post_data(foreign, round=2))
        assert response.status_code == 200
        assert "选择一个有效的选项" in response.content.decode()
        assert not ReplyLetter.objects.filter(doc_number="甲字〔2025〕9号").exists()

    def test_editing_another_units_reply_by_post_changes_nothing(self, client, two_units):
        client.force_login(unit_staff(two_units["a"]))
        reply_b = two_units["form_b"].reply
        data = reply_post_data(reply_b.assignment, doc_number="篡改")
        response = client.post(admin_url("replyletter", "change", reply_b.pk), data)
        assert response.status_code == 302
        reply_b.refresh_from_db()
        assert reply_b.doc_number == "乙字〔2025〕1号"

    def test_moving_own_reply_to_another_units_assignment_is_refused(self, client, two_units):
        client.force_login(unit_staff(two_units["a"]))
        reply_a = two_units["form_a"].reply
        foreign = two_units["form_b"].reply.assignment
        data = reply_post_data(foreign, doc_number=reply_a.doc_number, round=5)
        response = client.post(admin_url("replyletter", "change", reply_a.pk), data)
        assert response.status_code == 200
        reply_a.refresh_from_db()
        assert reply_a.assignment.unit == two_units["a"]

    def test_paper_form_for_another_units_reply_is_refused(self, client, two_units):
        client.force_login(unit_staff(two_units["a"]))
        reply_b = two_units["form_b"].reply
        data = {
            "reply": reply_b.pk,
            "rater": reply_b.assignment.proposal.proposer.pk,
            "attitude_rating": Rating.DISSATISFIED,
            "result_rating": Rating.DISSATISFIED,
        }
        response = client.post(admin_url("satisfactionform", "add"), data)
        assert response.status_code == 200
        assert SatisfactionForm.objects.count() == 2

    def test_autocomplete_offers_only_own_assignments(self, client, two_units):
        client.force_login(unit_staff(two_units["a"]))
        response = client.get(
            reverse("admin:autocomplete"),
            {"app_label": "proposals", "model_name": "replyletter", "field_name": "assignment"},
        )
        ids = {int(item["id"]) for item in response.json()["results"]}
        assert ids == {two_units["form_a"].reply.assignment.pk}

    def test_staff_cannot_create_proposals_or_assignments(self, client, two_units):
        client.force_login(unit_staff(two_units["a"]))
        assert client.get(admin_url("proposal", "add")).status_code == 403
        assert client.get(admin_url("assignment", "add")).status_code == 403

    def test_staff_without_a_unit_sees_nothing(self, client, two_units):
        from tests.factories import UserFactory

        client.force_login(UserFactory())
        assert client.get(admin_url("replyletter", "changelist")).status_code == 403


class TestLoggingAReply:
    def test_reply_form_is_prefilled_from_the_assignment(self, client):
        assignment = AssignmentFactory(
            proposal=ProposalFactory(number=10, title="关于统筹发展景德镇日用陶瓷产业的建议")
        )
        client.force_login(unit_staff(assignment.unit))
        page = client.get(admin_url("replyletter", "add") + f"?assignment={assignment.pk}")
        html = page.content.decode()
        assert "关于市政协十四届五次会议第010号提案答复的函" in html
        assert "关于统筹发展景德镇日用陶瓷产业的建议" in html
        assert "市政协提案委员会，市政府督查室" in html

    def test_staff_log_a_reply_in_one_screen(self, client):
        assignment = AssignmentFactory()
        client.force_login(unit_staff(assignment.unit))
        response = client.post(admin_url("replyletter", "add"), reply_post_data(assignment))
        assert response.status_code == 302
        reply = ReplyLetter.objects.get()
        assert reply.unit == assignment.unit
        assert (reply.doc_year, reply.doc_sequence) == (2025, 9)
        assert reply.copied_to == ["市政协提案委员会", "市政府督查室"]

    def test_duplicate_document_number_gets_a_message_not_a_500(self, client):
        reply = ReplyLetterFactory(doc_number="甲字〔2025〕9号")
        second = AssignmentFactory(unit=reply.unit)
        client.force_login(unit_staff(reply.unit))
        response = client.post(admin_url("replyletter", "add"), reply_post_data(second))
        assert response.status_code == 200
        assert "本单位已有同一文号的答复函" in response.content.decode()
        assert ReplyLetter.objects.count() == 1

    def test_duplicate_round_gets_a_message(self, client):
        reply = ReplyLetterFactory()
        client.force_login(unit_staff(reply.unit))
        data = reply_post_data(reply.assignment, doc_number="甲字〔2025〕10号")
        response = client.post(admin_url("replyletter", "add"), data)
        assert response.status_code == 200
        assert "这件交办已有这一轮次的答复函" in response.content.decode()

    def test_paper_form_is_marked_paper_and_entered_by_the_user(self, client):
        reply = ReplyLetterFactory()
        user = unit_staff(reply.unit)
        client.force_login(user)
        data = {
            "reply": reply.pk,
            "rater": reply.assignment.proposal.proposer.pk,
            "attitude_rating": Rating.SATISFIED,
            "result_rating": Rating.BASICALLY_SATISFIED,
            "comments": "谢谢",
            "scan": SimpleUploadedFile("scan.pdf", b"%PDF-1.4 form", "application/pdf"),
        }
        response = client.post(admin_url("satisfactionform", "add"), data)
        assert response.status_code == 302
        form = SatisfactionForm.objects.get()
        assert (form.channel, form.entered_by) == (FormChannel.PAPER, user)

    def test_form_rater_must_be_the_proposer_or_a_co_signer(self, client):
        reply = ReplyLetterFactory()
        stranger = ProposerFactory()
        reply.assignment.proposal.co_signers.add(ProposerFactory())
        client.force_login(SupervisorFactory())
        data = {
            "reply": reply.pk,
            "rater": stranger.pk,
            "attitude_rating": Rating.SATISFIED,
            "result_rating": Rating.SATISFIED,
        }
        response = client.post(admin_url("satisfactionform", "add"), data)
        assert response.status_code == 200
        assert "填表人须是该提案的提案者或联名提案者" in response.content.decode()


SEED_001 = next((Path(__file__).resolve().parents[2] / "seeds").glob("001_*.txt"))


class TestReplyFromFile:
    """Staff upload a letter; the reader fills in the reply form, which they check and save."""

    @pytest.fixture
    def assignment(self):
        unit = HandlingUnitFactory(name="国家试验区管委会办公室")
        return AssignmentFactory(unit=unit, proposal=ProposalFactory(number=10))

    def upload(self, client, name: str, data: bytes):
        file = SimpleUploadedFile(name, data)
        return client.post(admin_url("replyletter", "from_file"), {"file": file}, follow=True)

    def test_the_seed_letter_fills_in_the_form_and_nothing_is_saved(self, client, assignment):
        client.force_login(unit_staff(assignment.unit))
        response = self.upload(client, "001.txt", SEED_001.read_bytes())
        (url, _status) = response.redirect_chain[-1]
        assert url.startswith(admin_url("replyletter", "add") + f"?assignment={assignment.pk}")
        form = response.context["adminform"].form
        assert form.initial["doc_number"] == "景国试管办案字〔2025〕1号"
        assert form.initial["outcome_class"] == OutcomeClass.objects.get(code="A3").pk
        assert form.initial["signed_on"] == "2025-04-29"
        assert form.initial["contact_phone"] == "15107989915"
        assert form.initial["body"].startswith("您提出的《关于统筹发展景德镇日用陶瓷产业的建议》")
        html = response.content.decode()
        assert "请逐项核对后保存" in html
        assert "景国试管办案字〔2025〕1号" in html and "洪迈" in html
        assert not ReplyLetter.objects.exists()

    def test_the_filled_in_form_saves_as_a_reply(self, client, assignment):
        client.force_login(unit_staff(assignment.unit))
        form = self.upload(client, "001.txt", SEED_001.read_bytes()).context["adminform"].form
        data = {**form.initial, "copied_to": "，".join(form.initial["copied_to"]), "round": 1}
        response = client.post(admin_url("replyletter", "add"), data)
        assert response.status_code == 302
        reply = ReplyLetter.objects.get()
        assert (reply.assignment, reply.doc_number) == (assignment, "景国试管办案字〔2025〕1号")
        assert reply.copied_to == ["市政协提案委员会", "市政府督查室"]

    def test_another_units_proposal_is_refused(self, client, assignment):
        client.force_login(unit_staff(HandlingUnitFactory()))
        response = self.upload(client, "001.txt", SEED_001.read_bytes())
        assert response.status_code == 200
        assert "没有找到交给您所在单位办理的14届5次会议第010号提案" in response.content.decode()
        assert not ReplyLetter.objects.exists()

    @pytest.mark.parametrize(
        ("name", "data", "message"),
        [
            ("news.txt", "景德镇陶瓷产业发展迅速。".encode(), "看起来不是答复函"),
            ("letter.docx", b"PK\x03\x04broken", "Word"),
            ("letter.pdf", b"%PDF-1.4 truncated", "PDF"),
            ("letter.doc", b"\xd0\xcf\x11\xe0", ".docx"),
            ("empty.txt", b"", "文件"),
        ],
    )
    def test_a_bad_file_gets_a_message_not_a_500(self, client, assignment, name, data, message):
        client.force_login(unit_staff(assignment.unit))
        response = self.upload(client, name, data)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not ReplyLetter.objects.exists()

    def test_a_reader_failure_is_a_message_not_a_500(self, client, assignment, monkeypatch):
        def broken(text):
            raise KeyError(1)

        monkeypatch.setattr(forms_module, "read_letter", broken)
        client.force_login(unit_staff(assignment.unit))
        response = self.upload(client, "001.txt", SEED_001.read_bytes())
        assert response.status_code == 200
        assert "读取这份文件时出错" in response.content.decode()

    def test_a_file_too_large_is_refused(self, client, assignment, settings):
        settings.LETTER_FILE_MAX_MB = 0
        client.force_login(unit_staff(assignment.unit))
        response = self.upload(client, "001.txt", SEED_001.read_bytes())
        assert "文件不能超过 0 MB" in response.content.decode()

    def test_a_letter_already_logged_links_to_it(self, client, assignment):
        reply = ReplyLetterFactory(assignment=assignment, doc_number="景国试管办案字〔2025〕1号")
        client.force_login(unit_staff(assignment.unit))
        html = self.upload(client, "001.txt", SEED_001.read_bytes()).content.decode()
        assert "这份答复函已经登记过" in html
        assert admin_url("replyletter", "change", reply.pk) in html
        assert ReplyLetter.objects.count() == 1

    def test_warnings_name_what_to_check(self, client, assignment):
        assignment.unit.name = "试验区办"
        assignment.unit.save()
        client.force_login(unit_staff(assignment.unit))
        html = self.upload(client, "001.txt", SEED_001.read_bytes()).content.decode()
        assert "函的落款单位“国家试验区管委会办公室”与承办单位“试验区办”名称不同" in html

    def test_only_staff_who_may_add_replies_reach_the_page(self, client, assignment):
        url = admin_url("replyletter", "from_file")
        assert client.get(url).status_code == 302  # to the login
        client.force_login(UserFactory(is_staff=True))  # staff of no unit
        assert client.get(url).status_code == 403
        client.force_login(unit_staff(assignment.unit))
        page = client.get(admin_url("replyletter", "changelist")).content.decode()
        assert url in page
        assert client.get(url).status_code == 200


class TestSupervisor:
    def test_sees_every_unit(self, client, two_units):
        client.force_login(SupervisorFactory())
        page = client.get(admin_url("replyletter", "changelist")).content.decode()
        assert "甲字〔2025〕1号" in page and "乙字〔2025〕1号" in page

    @pytest.mark.parametrize(
        ("query", "shown", "hidden"),
        [
            ({"group": "A"}, "甲字〔2025〕1号", "乙字〔2025〕1号"),
            ({"attitude": "dissatisfied"}, "乙字〔2025〕1号", "甲字〔2025〕1号"),
            ({"result": "none"}, "丙字〔2025〕1号", "甲字〔2025〕1号"),
        ],
    )
    def test_filters_by_group_and_rating(self, client, two_units, query, shown, hidden):
        from proposals.models import OutcomeClass

        form_b = two_units["form_b"]
        form_b.reply.outcome_class = OutcomeClass.objects.get(code="C1")
        form_b.reply.save()
        form_b.attitude_rating = Rating.DISSATISFIED
        form_b.save()
        ReplyLetterFactory(doc_number="丙字〔2025〕1号")
        client.force_login(SupervisorFactory())
        page = client.get(admin_url("replyletter", "changelist"), query).content.decode()
        assert shown in page
        assert hidden not in page

    def test_overdue_filter(self, client):
        late = AssignmentFactory(
            due_on=datetime.date(2020, 1, 1), assigned_on=datetime.date(2019, 10, 1)
        )
        on_time = AssignmentFactory(due_on=datetime.date(2099, 1, 1))
        client.force_login(SupervisorFactory())
        page = client.get(
            admin_url("assignment", "changelist"), {"state": "overdue"}
        ).content.decode()
        assert late.proposal.title in page
        assert on_time.proposal.title not in page
        assert "逾期" in page

    def test_search_by_number_as_printed(self, client):
        proposal = ProposalFactory(number=10)
        other = ProposalFactory(number=100)
        client.force_login(SupervisorFactory())
        for typed in ["010", "10", "第010号"]:
            page = client.get(admin_url("proposal", "changelist"), {"q": typed}).content.decode()
            assert proposal.title in page
            assert other.title not in page

    def test_the_change_page_offers_withdrawal_until_withdrawn(self, client):
        reply = ReplyLetterFactory()
        client.force_login(SupervisorFactory())
        withdraw = admin_url("replyletter", "withdraw", reply.pk)
        assert withdraw in client.get(admin_url("replyletter", "change", reply.pk)).content.decode()
        client.post(withdraw, {"reason": "错发"})
        assert (
            withdraw
            not in client.get(admin_url("replyletter", "change", reply.pk)).content.decode()
        )

    @pytest.mark.parametrize("reason", ["\u200b", " \u200b\u2060 "])
    def test_a_withdrawal_needs_a_visible_reason(self, client, reason):
        reply = ReplyLetterFactory()
        client.force_login(SupervisorFactory())
        response = client.post(admin_url("replyletter", "withdraw", reply.pk), {"reason": reason})
        assert response.status_code == 200
        assert "请写明理由。" in response.content.decode()
        reply.refresh_from_db()
        assert reply.withdrawn_at is None

    def test_assignment_due_date_defaults_to_three_months(self, client):
        from proposals.models import Assignment

        proposal = ProposalFactory()
        unit = HandlingUnitFactory()
        client.force_login(SupervisorFactory())
        data = {
            "proposal": proposal.pk,
            "unit": unit.pk,
            "role": "lead",
            "assigned_on": "2025-02-10",
        }
        response = client.post(admin_url("assignment", "add"), data)
        assert response.status_code == 302
        assert Assignment.objects.get().due_on == datetime.date(2025, 5, 10)

    def test_due_before_assigned_gets_a_message(self, client):
        proposal = ProposalFactory()
        client.force_login(SupervisorFactory())
        data = {
            "proposal": proposal.pk,
            "unit": HandlingUnitFactory().pk,
            "role": "lead",
            "assigned_on": "2025-02-10",
            "due_on": "2025-01-10",
        }
        response = client.post(admin_url("assignment", "add"), data)
        assert response.status_code == 200
        assert "答复期限不能早于交办日期" in response.content.decode()


class TestQueryCounts:
    """Lists run a fixed number of queries however many rows they show (no N+1)."""

    @pytest.mark.parametrize("model", ["replyletter", "assignment", "proposal", "satisfactionform"])
    def test_changelist_queries_do_not_grow_with_rows(
        self, client, django_assert_max_num_queries, model
    ):
        unit = HandlingUnitFactory()
        staff = unit_staff(unit)
        client.force_login(staff)

        def count_queries() -> int:
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as queries:
                assert client.get(admin_url(model, "changelist")).status_code == 200
            return len(queries)

        SatisfactionFormFactory(reply__assignment__unit=unit)
        few = count_queries()
        for _ in range(5):
            form = SatisfactionFormFactory(reply__assignment__unit=unit)
            form.reply.assignment.proposal.co_signers.add(ProposerFactory())
        with django_assert_max_num_queries(few):
            client.get(admin_url(model, "changelist"))


class TestReplyListAtScale:
    """The replies' list as it must work with 200 000 of them: no query that reads every
    reply (a full count, the units or rounds in use); its queries are counted in
    test_admin_changelist.py."""

    @pytest.mark.parametrize(
        ("query", "shown", "hidden"),
        [({"round": "1"}, "1号", "7号"), ({"round": "later"}, "7号", "1号")],
    )
    def test_round_filter(self, client, query, shown, hidden):
        first = ReplyLetterFactory(doc_number="甲字〔2025〕1号")
        ReplyLetterFactory(assignment=first.assignment, round=2, doc_number="甲字〔2025〕7号")
        client.force_login(SupervisorFactory())
        page = client.get(admin_url("replyletter", "changelist"), query).content.decode()
        assert f"甲字〔2025〕{shown}" in page
        assert f"甲字〔2025〕{hidden}" not in page

    def test_unit_filter_offers_the_users_own_units(self, client):
        own, also_own, other = HandlingUnitFactory.create_batch(3)
        for unit in (own, also_own, other):
            ReplyLetterFactory(assignment__unit=unit)
        staff = unit_staff(own)
        also_own.staff.add(staff)
        client.force_login(staff)
        response = client.get(admin_url("replyletter", "changelist"))
        [unit_filter] = [
            spec for spec in response.context["cl"].filter_specs if spec.title == "承办单位"
        ]
        assert {name for _, name in unit_filter.lookup_choices} == {own.name, also_own.name}

    def test_a_filtered_list_is_counted_exactly(self, client):
        ReplyLetterFactory(is_published=True)
        ReplyLetterFactory(is_published=False)
        client.force_login(SupervisorFactory())
        response = client.get(admin_url("replyletter", "changelist"), {"is_published__exact": "1"})
        assert response.context["cl"].result_count == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="an estimate is PostgreSQL's")
def test_the_whole_table_is_not_counted_but_estimated(monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "EXACT_BELOW", 2)
    ReplyLetterFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE proposals_replyletter")
    paginator = EstimatedCountPaginator(ReplyLetter.objects.all(), 100)
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == 3
    assert not any("COUNT(" in query["sql"] for query in queries)
    filtered = EstimatedCountPaginator(ReplyLetter.objects.filter(round=1), 100)
    with CaptureQueriesContext(connection) as queries:
        assert filtered.count == 3
    assert any("COUNT(" in query["sql"] for query in queries)


class TestReviewFindings:
    """What a second reader found; each would have failed before its fix."""

    @pytest.mark.parametrize(
        "query", ["?assignment=abc", "?assignment=²", "?assignment=99999999999999999999999"]
    )
    def test_malformed_prefill_ids_are_ignored_not_a_500(self, client, query):
        client.force_login(SupervisorFactory())
        assert client.get(admin_url("replyletter", "add") + query).status_code == 200
        assert (
            client.get(admin_url("satisfactionform", "add") + "?reply=abc&rater=x").status_code
            == 200
        )

    def test_staff_cannot_change_an_online_form(self, client):
        form = SatisfactionFormFactory(
            channel=FormChannel.ONLINE,
            attitude_rating=Rating.DISSATISFIED,
            result_rating=Rating.DISSATISFIED,
        )
        client.force_login(unit_staff(form.reply.unit))
        data = {
            "reply": form.reply.pk,
            "rater": form.rater.pk,
            "attitude_rating": Rating.SATISFIED,
            "result_rating": Rating.SATISFIED,
        }
        client.post(admin_url("satisfactionform", "change", form.pk), data)
        form.refresh_from_db()
        assert form.attitude_rating == Rating.DISSATISFIED

    def test_staff_cannot_publish_their_own_reply(self, client):
        assignment = AssignmentFactory()
        client.force_login(unit_staff(assignment.unit))
        client.post(admin_url("replyletter", "add"), reply_post_data(assignment, is_published="on"))
        assert ReplyLetter.objects.get().is_published is False

    def test_document_number_is_stored_without_scan_spaces(self, client):
        reply = ReplyLetterFactory(doc_number="甲字〔2025〕1号")
        second = AssignmentFactory(unit=reply.unit)
        client.force_login(unit_staff(reply.unit))
        data = reply_post_data(second, doc_number=" 甲字〔2025〕 1 号")
        response = client.post(admin_url("replyletter", "add"), data)
        assert "本单位已有同一文号的答复函" in response.content.decode()

    def test_a_replied_assignment_keeps_its_unit(self, client):
        reply = ReplyLetterFactory()
        client.force_login(SupervisorFactory())
        data = {
            "proposal": reply.assignment.proposal.pk,
            "unit": HandlingUnitFactory().pk,
            "role": "lead",
            "assigned_on": "2025-02-01",
            "due_on": "2025-05-01",
            "replies-TOTAL_FORMS": 1,
            "replies-INITIAL_FORMS": 1,
            "replies-0-id": reply.pk,
            "replies-0-assignment": reply.assignment.pk,
        }
        client.post(admin_url("assignment", "change", reply.assignment.pk), data)
        reply.assignment.refresh_from_db()
        assert reply.assignment.unit == reply.unit

    def test_second_default_scheme_gets_a_sentence(self, client):
        client.force_login(SupervisorFactory())
        data = {
            "name": "甲乙丙",
            "is_default": "on",
            "classes-TOTAL_FORMS": 0,
            "classes-INITIAL_FORMS": 0,
        }
        response = client.post(reverse("admin:proposals_outcomescheme_add"), data)
        assert "已有默认方案" in response.content.decode()
