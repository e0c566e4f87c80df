"""The open-data API: its envelope, its filters, what it never shows, and its OpenAPI document."""

import datetime

import pytest
from django.urls import reverse

from proposals.models import Category, OutcomeClass, ProposerKind, Rating, ReplyLetter
from tests.factories import (
    AssignmentFactory,
    HandlingUnitFactory,
    ProposalFactory,
    ProposerFactory,
    ReplyLetterFactory,
    SatisfactionFormFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db

PROPOSALS = reverse("api:proposals")
REPLIES = reverse("api:replies")
PHONE = "13912345678"
ADDRESS = "景德镇市珠山区某某路88号"


def outcome(code: str) -> OutcomeClass:
    return OutcomeClass.objects.get(code=code)


def published_reply(**kwargs) -> ReplyLetter:
    return ReplyLetterFactory(is_published=True, **kwargs)


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content.decode()
    return response.json()


def doc_numbers(client, **params) -> list[str]:
    return sorted(reply["doc_number"] for reply in get(client, REPLIES, **params)["results"])


def proposal_numbers(client, **params) -> list[str]:
    return sorted(proposal["number"] for proposal in get(client, PROPOSALS, **params)["results"])


def all_keys(data) -> set[str]:
    if isinstance(data, dict):
        return set(data).union(*(all_keys(value) for value in data.values()))
    if isinstance(data, list):
        return set().union(*(all_keys(value) for value in data))
    return set()


class TestEnvelope:
    def test_envelope_and_pages(self, client):
        for number in range(1, 4):
            published_reply(doc_number=f"文{number}", assignment__proposal__number=number)

        first = get(client, REPLIES, page_size=2)
        assert list(first) == ["count", "next", "previous", "results"]
        assert first["count"] == 3
        assert len(first["results"]) == 2
        assert first["previous"] is None
        assert first["next"].startswith("http://testserver/api/replies/")
        assert "page=2" in first["next"]

        second = client.get(first["next"]).json()
        assert second["next"] is None
        assert second["previous"].startswith("http://testserver/api/replies/")
        assert len(second["results"]) == 1

        proposals = get(client, PROPOSALS, page_size=2)
        assert list(proposals) == ["count", "next", "previous", "results"]
        assert proposals["count"] == 3

    def test_page_size_has_a_ceiling(self, client):
        ProposalFactory.create_batch(3)
        response = get(client, PROPOSALS, page_size=1000)
        assert response["count"] == 3
        assert response["next"] is None

    @pytest.mark.parametrize("page_size", ["abc", "0", "-5", "1e3"])
    def test_malformed_page_size_is_refused(self, client, page_size):
        response = client.get(PROPOSALS, {"page_size": page_size})
        assert response.status_code == 400
        assert "page_size" in response.json()

    def test_format_is_not_the_apis_business(self, client):
        assert client.get(REPLIES, {"format": "csv"}).status_code == 200

    def test_a_basic_auth_header_is_not_looked_at(self, client):
        response = client.get(REPLIES, headers={"authorization": "Basic Zm9vOmJhcg=="})
        assert response.status_code == 200

    def test_page_past_the_end_is_not_found(self, client):
        ProposalFactory()
        assert client.get(PROPOSALS, {"page": 999}).status_code == 404

    def test_empty(self, client):
        assert get(client, REPLIES) == {"count": 0, "next": None, "previous": None, "results": []}

    def test_browsers_get_json_too(self, client):
        accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        response = client.get(REPLIES, headers={"accept": accept})
        assert response["Content-Type"] == "application/json"

    def test_no_login_needed_and_read_only(self, client):
        assert client.get(PROPOSALS).status_code == 200
        assert client.post(PROPOSALS, {}).status_code == 405


class TestObjects:
    def test_reply_object(self, client):
        session = SessionFactory(term=14, meeting=5, year=2025)
        unit = HandlingUnitFactory(name="市文广局")
        proposer = ProposerFactory(name="李辉松")
        proposal = ProposalFactory(session=session, number=10, proposer=proposer)
        reply = published_reply(
            assignment__proposal=proposal,
            assignment__unit=unit,
            doc_number="景文广字〔2025〕3号",
            outcome_class=outcome("A1"),
            title="关于市政协十四届五次会议第010号提案答复的函",
            addressee="尊敬的李辉松委员",
            proposal_title="关于发展陶瓷文化旅游的建议",
            body="您提出的关于发展陶瓷文化旅游的建议收悉。",
            signed_on=datetime.date(2025, 4, 29),
            copied_to=["市政协提案委员会", "市政府督查室"],
            round=1,
        )

        (data,) = get(client, REPLIES)["results"]

        assert data == {
            "id": reply.pk,
            "doc_number": "景文广字〔2025〕3号",
            "title": "关于市政协十四届五次会议第010号提案答复的函",
            "unit": "市文广局",
            "round": 1,
            "outcome_class": "A1",
            "outcome_group": "A",
            "outcome_definition": outcome("A1").definition,
            "signed_on": "2025-04-29",
            "attitude_rating": None,
            "result_rating": None,
            "addressee": "尊敬的李辉松委员",
            "proposal_title": "关于发展陶瓷文化旅游的建议",
            "body": "您提出的关于发展陶瓷文化旅游的建议收悉。",
            "signing_unit": "市文广局",
            "copied_to": ["市政协提案委员会", "市政府督查室"],
            "proposal_id": proposal.pk,
            "proposal_number": "010",
            "session": "市政协十四届五次会议",
            "url": f"http://testserver/proposals/{proposal.pk}/",
        }

    def test_reply_without_class_or_date(self, client):
        published_reply(outcome_class=None, signed_on=None)
        (data,) = get(client, REPLIES)["results"]
        assert data["outcome_class"] is None
        assert data["outcome_group"] is None
        assert data["outcome_definition"] is None
        assert data["signed_on"] is None

    def test_proposal_object(self, client):
        lead = HandlingUnitFactory(name="市文广局")
        co_handling = HandlingUnitFactory(name="市商务局")
        proposal = ProposalFactory(
            number=10,
            title="关于发展陶瓷文化旅游的建议",
            proposer=ProposerFactory(name="民革市委会", kind=ProposerKind.BODY),
            category=Category.objects.create(name="文化"),
            is_key=True,
            status="replied",
        )
        proposal.co_signers.add(ProposerFactory(name="王芳"))
        reply = published_reply(
            assignment__proposal=proposal,
            assignment__unit=lead,
            outcome_class=outcome("B1"),
            doc_number="景文广字〔2025〕3号",
        )
        SatisfactionFormFactory(
            reply=reply,
            attitude_rating=Rating.SATISFIED,
            result_rating=Rating.BASICALLY_SATISFIED,
        )
        AssignmentFactory(proposal=proposal, unit=co_handling, role="co_handling")

        (data,) = get(client, PROPOSALS)["results"]

        units = data.pop("units")
        assert sorted(units, key=lambda unit: unit["role"] != "lead") == [
            {"unit": "市文广局", "role": "lead"},
            {"unit": "市商务局", "role": "co_handling"},
        ]
        assert data == {
            "id": proposal.pk,
            "number": "010",
            "session": "市政协十四届五次会议",
            "year": 2025,
            "title": "关于发展陶瓷文化旅游的建议",
            "proposer": "民革市委会",
            "co_signers": ["王芳委员"],
            "category": "文化",
            "is_key": True,
            "status": "replied",
            "replies": [
                {
                    "id": reply.pk,
                    "doc_number": "景文广字〔2025〕3号",
                    "title": reply.title,
                    "unit": "市文广局",
                    "round": 1,
                    "outcome_class": "B1",
                    "outcome_group": "B",
                    "signed_on": "2025-04-29",
                    "attitude_rating": "satisfied",
                    "result_rating": "basically_satisfied",
                }
            ],
            "url": f"http://testserver/proposals/{proposal.pk}/",
        }

    def test_ratings_are_the_first_proposers(self, client):
        rated = published_reply(doc_number="已回表")
        SatisfactionFormFactory(
            reply=rated, attitude_rating=Rating.DISSATISFIED, result_rating=Rating.SATISFIED
        )
        co_signer = ProposerFactory()
        co_rated = published_reply(doc_number="联名者回表")
        co_rated.assignment.proposal.co_signers.add(co_signer)
        SatisfactionFormFactory(reply=co_rated, rater=co_signer)
        published_reply(doc_number="未回表")

        ratings = {
            reply["doc_number"]: (reply["attitude_rating"], reply["result_rating"])
            for reply in get(client, REPLIES)["results"]
        }
        assert ratings == {
            "已回表": ("dissatisfied", "satisfied"),
            "联名者回表": (None, None),
            "未回表": (None, None),
        }


class TestFilters:
    def test_outcome_and_group(self, client):
        published_reply(
            doc_number="甲", assignment__proposal__number=1, outcome_class=outcome("A1")
        )
        published_reply(
            doc_number="乙", assignment__proposal__number=2, outcome_class=outcome("A2")
        )
        published_reply(
            doc_number="丙", assignment__proposal__number=3, outcome_class=outcome("B1")
        )

        assert doc_numbers(client, outcome="A1") == ["甲"]
        assert doc_numbers(client, group="A") == ["乙", "甲"]
        assert proposal_numbers(client, outcome="A1") == ["001"]
        assert proposal_numbers(client, group="A") == ["001", "002"]

    def test_keyword_in_letter_body(self, client):
        published_reply(
            doc_number="甲", assignment__proposal__number=1, body="推进陶瓷文化旅游融合发展。"
        )
        published_reply(doc_number="乙", assignment__proposal__number=2, body="加强道路养护。")

        assert doc_numbers(client, q="陶瓷") == ["甲"]
        assert proposal_numbers(client, q="陶瓷") == ["001"]

    def test_unit(self, client):
        culture = HandlingUnitFactory()
        published_reply(doc_number="甲", assignment__proposal__number=1, assignment__unit=culture)
        published_reply(doc_number="乙", assignment__proposal__number=2)

        assert doc_numbers(client, unit=culture.pk) == ["甲"]
        assert proposal_numbers(client, unit=culture.pk) == ["001"]

    def test_session(self, client):
        current = SessionFactory(term=14, meeting=5, year=2025)
        earlier = SessionFactory(term=14, meeting=4, year=2024)
        published_reply(doc_number="甲", assignment__proposal__session=current)
        published_reply(doc_number="乙", assignment__proposal__session=earlier)

        assert doc_numbers(client, session=earlier.pk) == ["乙"]
        (proposal,) = get(client, PROPOSALS, session=earlier.pk)["results"]
        assert proposal["session"] == "市政协十四届四次会议"

    def test_rating_none_and_set(self, client):
        rated = published_reply(doc_number="甲", assignment__proposal__number=1)
        SatisfactionFormFactory(reply=rated, attitude_rating=Rating.DISSATISFIED)
        published_reply(doc_number="乙", assignment__proposal__number=2)

        assert doc_numbers(client, attitude="dissatisfied") == ["甲"]
        assert doc_numbers(client, attitude="none") == ["乙"]
        assert proposal_numbers(client, attitude="none") == ["002"]

    @pytest.mark.parametrize("url", [PROPOSALS, REPLIES])
    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"outcome": "ZZ"}, "outcome"),
            ({"session": "abc"}, "session"),
            ({"q": "文"}, "q"),
            ({"attitude": "happy"}, "attitude"),
            ({"unit": "999999"}, "unit"),
            ({"sort": "title"}, "sort"),
        ],
    )
    def test_invalid_values_answer_400_naming_the_field(self, client, url, params, field):
        response = client.get(url, params)
        assert response.status_code == 400
        errors = response.json()
        assert list(errors) == [field]
        assert errors[field] and all(isinstance(message, str) for message in errors[field])

    def test_keyword_message(self, client):
        response = client.get(REPLIES, {"q": "文"}, headers={"accept-language": "zh-hans"})
        assert response.json() == {"q": ["关键词至少两个字。"]}


class TestOnlyPublishedData:
    def test_unpublished_replies_never_appear(self, client):
        proposal = ProposalFactory(number=1)
        published_reply(assignment__proposal=proposal, doc_number="已公开", body="陶瓷产业")
        ReplyLetterFactory(
            assignment__proposal=proposal,
            doc_number="未公开",
            body="陶瓷产业未公开内容",
            outcome_class=outcome("C1"),
            is_published=False,
        )

        assert doc_numbers(client) == ["已公开"]
        assert doc_numbers(client, group="C") == []
        (data,) = get(client, PROPOSALS)["results"]
        assert [reply["doc_number"] for reply in data["replies"]] == ["已公开"]
        assert get(client, PROPOSALS, group="C")["count"] == 0
        assert get(client, PROPOSALS, q="未公开")["count"] == 0
        for url in (PROPOSALS, REPLIES):
            assert "未公开" not in client.get(url).content.decode()

    def test_no_contact_data_anywhere(self, client):
        proposer = ProposerFactory(
            name="李辉松",
            contact_person="张联系",
            address=ADDRESS,
            phone=PHONE,
            email="lihuisong@example.org",
        )
        reply = published_reply(
            assignment__proposal__proposer=proposer,
            contact_name="赵经办",
            contact_phone=PHONE,
            signer="钱签发",
        )
        SatisfactionFormFactory(reply=reply, comments="建议加快进度", signature_name="李签名")

        for url in (PROPOSALS, REPLIES):
            text = client.get(url).content.decode()
            for private in (
                PHONE,
                ADDRESS,
                "lihuisong@example.org",
                "张联系",
                "赵经办",
                "建议加快进度",
                "李签名",
            ):
                assert private not in text, (url, private)
            keys = all_keys(client.get(url).json())
            assert "addressee" in keys or url == PROPOSALS
            for private in ("phone", "contact", "address", "email", "comments", "signature"):
                assert not any(key.startswith(private) for key in keys - {"addressee"}), private


class TestQueryCount:
    def build(self, rows: int):
        for _ in range(rows):
            proposal = ProposalFactory(category=Category.objects.get_or_create(name="文化")[0])
            proposal.co_signers.add(ProposerFactory())
            reply = published_reply(assignment__proposal=proposal)
            SatisfactionFormFactory(reply=reply)
            AssignmentFactory(proposal=proposal)
            ReplyLetterFactory(assignment__proposal=proposal, is_published=False)

    # The filters' reference data (4), the count and the page; for proposals also their
    # assignments, the assignments' published replies and the co-signers.
    @pytest.mark.parametrize("rows", [3, 30])
    @pytest.mark.parametrize(("url", "queries"), [(PROPOSALS, 9), (REPLIES, 6)])
    def test_fixed_whatever_the_page_size(
        self, client, django_assert_max_num_queries, rows, url, queries
    ):
        self.build(rows)
        with django_assert_max_num_queries(queries):
            response = get(client, url, group="A", page_size=200)
        assert response["count"] == rows


class TestOpenAPI:
    def test_document(self, client):
        response = client.get(reverse("api:openapi"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
        schema = response.json()

        assert schema["openapi"].startswith("3.")
        assert schema["info"]["version"] == "1.0"
        assert set(schema["paths"]) == {"/api/proposals/", "/api/replies/"}
        for path in ("/api/proposals/", "/api/replies/"):
            operation = schema["paths"][path]["get"]
            parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
            for name in ("outcome", "group", "q", "session", "unit", "attitude", "result", "page"):
                assert name in parameters, (path, name)
                assert parameters[name]["in"] == "query"
                assert parameters[name]["description"], (path, name)
            assert "none" in parameters["attitude"]["schema"]["enum"]
            assert "200" in operation["responses"]

        reply = schema["components"]["schemas"]["Reply"]["properties"]
        assert reply["attitude_rating"]["nullable"] is True
        assert not {"contact_phone", "contact_name"} & set(reply)

    @pytest.mark.parametrize("version", ["\r\nSet-Cookie: x=1", "2.0"])
    def test_the_version_parameter_is_not_read(self, client, version):
        """drf-spectacular printed it into the Content-Disposition header: a newline was a
        500."""
        response = client.get(reverse("api:openapi"), {"version": version})
        assert response.status_code == 200
        assert response.json()["info"]["version"] == "1.0"
        assert "(" not in response["Content-Disposition"]

    def test_document_validates(self):
        from drf_spectacular.generators import SchemaGenerator
        from drf_spectacular.validation import validate_schema

        validate_schema(SchemaGenerator().get_schema(request=None, public=True))
