"""Exports of a filtered listing: the listing's own URL with format=csv or format=xlsx."""

import codecs
import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.models import AssignmentRole, Category, OutcomeClass, ProposalStatus, Rating
from tests.factories import (
    AssignmentFactory,
    HandlingUnitFactory,
    ProposalFactory,
    ProposerFactory,
    ReplyLetterFactory,
    SatisfactionFormFactory,
    SupervisorFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("proposals:list")
SUPERVISION_URL = reverse("proposals:supervision-list")
# Values that must never leave the database through an export.
SECRETS = [
    "保密联系人甲",
    "0798-8528901",
    "幸福路99号保密地址",
    "13912345678",
    "secret@example.com",
]


def secret_proposer(**kwargs):
    return ProposerFactory(
        address=SECRETS[2], phone=SECRETS[3], email=SECRETS[4], contact_person="", **kwargs
    )


def reply(*, code="A1", published=True, **kwargs):
    """A reply on a new proposal (or the given assignment), with contact details to hide."""
    kwargs.setdefault("assignment__proposal__proposer", secret_proposer())
    return ReplyLetterFactory(
        outcome_class=OutcomeClass.objects.get(code=code),
        is_published=published,
        contact_name=SECRETS[0],
        contact_phone=SECRETS[1],
        **kwargs,
    )


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content)
    assert content.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    content = b"".join(response.streaming_content)
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def as_dicts(rows: list[list]) -> list[dict]:
    header, *data = rows
    return [dict(zip(header, row, strict=True)) for row in data]


@pytest.fixture
def supervisor_client(client):
    client.force_login(SupervisorFactory())
    return client


class TestCsv:
    def test_utf8_with_bom_chinese_intact(self, client):
        answer = reply(
            assignment__unit=HandlingUnitFactory(name="市文化广电新闻出版旅游局"),
            assignment__proposal__title="关于加快陶瓷文化旅游发展的建议",
            assignment__proposal__is_key=True,
            assignment__proposal__status=ProposalStatus.REPLIED,
            assignment__proposal__number=7,
            round=2,
        )
        SatisfactionFormFactory(reply=answer, result_rating=Rating.BASICALLY_SATISFIED)

        response = client.get(LIST_URL, {"format": "csv"})

        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        today = datetime.date.today().strftime("%Y%m%d")  # the test runs far from midnight
        assert f'attachment; filename="proposals-{today}.csv"' in response["Content-Disposition"]
        [row] = as_dicts(csv_rows(response))
        assert row == {
            "会议": "市政协十四届五次会议",
            "提案编号": "007",
            "案由": "关于加快陶瓷文化旅游发展的建议",
            "提案者": f"{answer.assignment.proposal.proposer.name}委员",
            "类别": "",
            "重点提案": "是",
            "状态": "已答复",
            "承办单位": "市文化广电新闻出版旅游局",
            "办理方式": "主办",
            "答复期限": "2025-05-01",
            "文号": answer.doc_number,
            "答复轮次": "2",
            "办理结果分类": "A1",
            "类别字母": "A",
            "成文日期": "2025-04-29",
            "办理态度评价": "满意",
            "办理结果评价": "基本满意",
        }

    def test_filters_as_the_listing(self, client):
        reply(assignment__proposal__title="答复为甲类的提案")
        reply(code="B1", assignment__proposal__title="答复为乙类的提案")

        rows = as_dicts(csv_rows(client.get(LIST_URL, {"format": "csv", "outcome": "A1"})))

        assert [row["案由"] for row in rows] == ["答复为甲类的提案"]
        assert [row["办理结果分类"] for row in rows] == ["A1"]

    def test_no_reply_one_row_with_empty_reply_cells(self, client):
        ProposalFactory(title="尚未交办的提案")
        AssignmentFactory(proposal__title="已交办未答复的提案")

        rows = as_dicts(csv_rows(client.get(LIST_URL, {"format": "csv"})))

        by_title = {row["案由"]: row for row in rows}
        assert len(rows) == 2
        assert by_title["尚未交办的提案"]["承办单位"] == ""
        assert by_title["已交办未答复的提案"]["承办单位"] != ""
        for row in rows:
            assert row["文号"] == row["办理结果分类"] == row["办理态度评价"] == ""

    def test_one_row_per_unit(self, client):
        lead = reply(assignment__role=AssignmentRole.LEAD)
        proposal = lead.assignment.proposal
        AssignmentFactory(proposal=proposal, role=AssignmentRole.CO_HANDLING)

        rows = as_dicts(csv_rows(client.get(LIST_URL, {"format": "csv"})))

        by_role = {row["办理方式"]: row for row in rows}
        assert len(rows) == 2
        assert by_role.keys() == {"主办", "会办"}
        assert by_role["主办"]["提案编号"] == by_role["会办"]["提案编号"] == proposal.printed_number
        assert by_role["主办"]["文号"] == lead.doc_number
        assert by_role["会办"]["文号"] == ""

    def test_unreturned_form_reads_未回表(self, client):
        reply()

        [row] = as_dicts(csv_rows(client.get(LIST_URL, {"format": "csv"})))

        assert row["办理态度评价"] == row["办理结果评价"] == "未回表"

    def test_the_rating_is_the_first_proposers_valid_form(self, client):
        answer = reply()
        co_signer = ProposerFactory()
        answer.assignment.proposal.co_signers.add(co_signer)
        SatisfactionFormFactory(
            reply=answer,
            attitude_rating=Rating.DISSATISFIED,
            voided_at=timezone.now(),
            void_reason="填错",
        )
        SatisfactionFormFactory(reply=answer, result_rating=Rating.BASICALLY_SATISFIED)
        SatisfactionFormFactory(reply=answer, rater=co_signer, result_rating=Rating.DISSATISFIED)

        [row] = as_dicts(csv_rows(client.get(LIST_URL, {"format": "csv"})))

        assert (row["办理态度评价"], row["办理结果评价"]) == ("满意", "基本满意")

    def test_one_row_per_round_in_order(self, client):
        first = reply(doc_number="甲字〔2025〕1号")
        reply(assignment=first.assignment, round=2, doc_number="甲字〔2025〕7号")

        rows = as_dicts(csv_rows(client.get(LIST_URL, {"format": "csv"})))

        assert [(row["答复轮次"], row["文号"]) for row in rows] == [
            ("1", "甲字〔2025〕1号"),
            ("2", "甲字〔2025〕7号"),
        ]

    def test_formula_text_stays_text(self, client):
        reply(assignment__proposal__title='=HYPERLINK("http://example.com")')

        [row] = as_dicts(csv_rows(client.get(LIST_URL, {"format": "csv"})))

        assert row["案由"] == '\'=HYPERLINK("http://example.com")'

    def test_invalid_filter_shows_the_page_with_the_error(self, client):
        reply()

        response = client.get(LIST_URL, {"format": "csv", "outcome": "Z9"})

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert "选择一个有效的选项" in response.content.decode()


class TestPublicExport:
    @pytest.mark.parametrize("export_format", ["csv", "xlsx"])
    def test_no_unpublished_reply_nor_contact_details(self, client, export_format):
        published = reply(doc_number="公开字〔2025〕1号")
        reply(
            assignment=AssignmentFactory(proposal=published.assignment.proposal),
            doc_number="未公开字〔2025〕2号",
            published=False,
        )
        reply(doc_number="未公开字〔2025〕3号", published=False)

        response = client.get(LIST_URL, {"format": export_format})

        content = b"".join(response.streaming_content)
        if export_format == "xlsx":
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
            rows = list(workbook.active.iter_rows(values_only=True))
            text = "\n".join(str(value) for row in rows for value in row if value is not None)
        else:
            text = content.decode("utf-8-sig")
        assert "公开字〔2025〕1号" in text
        assert "未公开" not in text
        assert "公开" not in text.splitlines()[0]  # no publication column either
        for secret in SECRETS:
            assert secret not in text
            assert secret.encode() not in content


class TestSupervisorExport:
    @pytest.mark.parametrize("rows_of", [csv_rows, xlsx_rows])
    def test_includes_unpublished_with_publication_column(self, supervisor_client, rows_of):
        reply(doc_number="公开字〔2025〕1号")
        reply(doc_number="未公开字〔2025〕2号", published=False)
        export_format = "csv" if rows_of is csv_rows else "xlsx"

        response = supervisor_client.get(SUPERVISION_URL, {"format": export_format})

        rows = as_dicts(rows_of(response))
        assert {row["文号"]: row["公开"] for row in rows} == {
            "公开字〔2025〕1号": "是",
            "未公开字〔2025〕2号": "否",
        }
        content = b"".join(
            supervisor_client.get(SUPERVISION_URL, {"format": "csv"}).streaming_content
        )
        for secret in SECRETS:
            assert secret.encode() not in content

    def test_supervisor_filters_apply(self, supervisor_client):
        reply(doc_number="公开字〔2025〕1号")
        reply(doc_number="未公开字〔2025〕2号", published=False)

        response = supervisor_client.get(SUPERVISION_URL, {"format": "csv", "published": "false"})

        assert [row["文号"] for row in as_dicts(csv_rows(response))] == ["未公开字〔2025〕2号"]

    @pytest.mark.parametrize("export_format", ["csv", "xlsx"])
    def test_anonymous_is_sent_to_log_in(self, client, export_format):
        reply(published=False)

        response = client.get(SUPERVISION_URL, {"format": export_format})

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


class TestXlsx:
    def test_opens_with_header_and_data(self, client):
        answer = reply(
            assignment__proposal__title="关于加快陶瓷文化旅游发展的建议",
            assignment__proposal__number=12,
        )

        response = client.get(LIST_URL, {"format": "xlsx"})

        assert response.status_code == 200
        assert response["Content-Type"] == (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        today = datetime.date.today().strftime("%Y%m%d")
        assert f'filename="proposals-{today}.xlsx"' in response["Content-Disposition"]
        header, *data = xlsx_rows(response)
        assert header[:3] == ["会议", "提案编号", "案由"]
        assert "公开" not in header
        [row] = as_dicts([header, *data])
        assert row["提案编号"] == "012"
        assert row["案由"] == "关于加快陶瓷文化旅游发展的建议"
        assert row["文号"] == answer.doc_number
        assert row["答复轮次"] == 1
        assert row["成文日期"] == datetime.datetime(2025, 4, 29)  # a date cell
        assert row["办理结果评价"] == "未回表"

    def test_formula_and_control_characters_stay_text(self, client):
        reply(assignment__proposal__title="=1+1\x0b关于建议")

        [row] = as_dicts(xlsx_rows(client.get(LIST_URL, {"format": "xlsx"})))

        assert row["案由"] == "=1+1关于建议"

    def test_markup_characters_stay_as_typed(self, client):
        reply(assignment__proposal__title="关于<景德镇>陶瓷 & 旅游的建议")

        [row] = as_dicts(xlsx_rows(client.get(LIST_URL, {"format": "xlsx"})))

        assert row["案由"] == "关于<景德镇>陶瓷 & 旅游的建议"

    def test_the_header_row_stays_in_view(self, client):
        reply()

        content = b"".join(client.get(LIST_URL, {"format": "xlsx"}).streaming_content)

        assert openpyxl.load_workbook(io.BytesIO(content)).active.freeze_panes == "A2"


class TestQueryCount:
    """One query reads the rows, however many."""

    @pytest.mark.parametrize("export_format", ["csv", "xlsx"])
    @pytest.mark.parametrize("proposals", [3, 30])
    def test_fixed_number_of_queries(
        self, client, django_assert_max_num_queries, export_format, proposals
    ):
        category = Category.objects.create(name="经济建设")
        for _ in range(proposals):
            answer = reply(assignment__proposal__category=category)
            SatisfactionFormFactory(reply=answer)
            AssignmentFactory(proposal=answer.assignment.proposal)

        # The filters' reference choices (4); the rows.
        with django_assert_max_num_queries(4 + 1):
            response = client.get(LIST_URL, {"format": export_format, "sort": "-class"})
            content = b"".join(response.streaming_content)

        assert content


def test_rows_across_chunks_keep_the_listing_order(client, monkeypatch):
    monkeypatch.setattr("proposals.exports.CHUNK_SIZE", 2)
    for number in [5, 1, 4, 2, 3]:
        AssignmentFactory(proposal__number=number)
    reply(assignment__proposal__number=6)

    rows = as_dicts(csv_rows(client.get(LIST_URL, {"format": "csv", "sort": "-number"})))

    assert [row["提案编号"] for row in rows] == ["006", "005", "004", "003", "002", "001"]
