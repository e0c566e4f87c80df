"""Reply letters and satisfaction forms as Word documents: the layout GB/T 9704 asks for, what
the public may not see, that the letter reader reads them back, and who may download them."""

import datetime
import io
import zipfile
from urllib.parse import quote

import docx
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from proposals.letters.reader import read_letter
from proposals.letters.sources import file_text
from proposals.letters.writer import form_docx, letter_docx
from proposals.models import AssignmentRole, OutcomeClass, ProposerKind
from tests.factories import (
    HandlingUnitFactory,
    ProposalFactory,
    ProposerFactory,
    ReplyLetterFactory,
    SupervisorFactory,
    UserFactory,
    unit_staff,
)

pytestmark = pytest.mark.django_db

ADDRESS = "珠山区莲社北路99号"
PHONE = "13912345678"
CONTACT_NAME = "洪迈"
CONTACT_PHONE = "15107989915"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BLANK_FORM = reverse("proposals:print-blank-form-docx")


@pytest.fixture
def reply():
    proposer = ProposerFactory(name="李辉松", address=ADDRESS, phone=PHONE)
    return ReplyLetterFactory(
        assignment__proposal=ProposalFactory(
            number=10, title="关于统筹发展景德镇日用陶瓷产业的建议", proposer=proposer
        ),
        assignment__unit=HandlingUnitFactory(name="试验区办", full_name="国家试验区管委会办公室"),
        doc_number="景国试管办案字〔2025〕1号",
        outcome_class=OutcomeClass.objects.get(code="A3"),
        title="关于市政协十四届五次会议第010号提案答复的函",
        addressee="尊敬的李辉松委员",
        proposal_title="关于统筹发展景德镇日用陶瓷产业的建议",
        body=(
            "您提出的《关于统筹发展景德镇日用陶瓷产业的建议》提案收悉，现答复如下：\n\n"
            "下一步，我们将继续做大做强龙头企业。"
        ),
        signing_unit="国家试验区管委会办公室",
        signed_on=datetime.date(2025, 4, 29),
        signer="张三",
        copied_to=["市政协提案委员会", "市政府督查室"],
        contact_name=CONTACT_NAME,
        contact_phone=CONTACT_PHONE,
        is_published=True,
    )


def open_docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def texts(document) -> list[str]:
    return [paragraph.text for paragraph in document.paragraphs]


def paragraph_with(document, text: str) -> Paragraph:
    return next(paragraph for paragraph in document.paragraphs if paragraph.text == text)


def east_asian_font(run) -> str:
    return run._r.rPr.rFonts.get(qn("w:eastAsia"))


def part_xml(data: bytes, name: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return package.read(name).decode()


def form_rows(document) -> dict[str, str]:
    """Each label of the form's table → the value cell after it (a cell's paragraphs joined
    by “/”); the first cell of a row names the part."""
    table = document.tables[0]
    rows = {}
    for row in table._tbl.tr_lst:
        cells = ["/".join(p.text for p in _Cell(cell, table).paragraphs) for cell in row.tc_lst]
        rows.update(zip(cells[1::2], cells[2::2], strict=True))
    return rows


# The letter's layout.


def test_the_letter_is_a4_with_gbt_9704_margins(reply):
    section = open_docx(letter_docx(reply)).sections[0]
    expected = {
        "page_width": 210,
        "page_height": 297,
        "top_margin": 37,
        "bottom_margin": 35,
        "left_margin": 28,
        "right_margin": 26,
    }
    # Word keeps lengths in twentieths of a point: compare to the tenth of a millimetre.
    assert {name: round(getattr(section, name).mm, 1) for name in expected} == expected


def test_the_parts_come_in_the_letters_order(reply):
    lines = texts(open_docx(letter_docx(reply)))
    expected = [
        "景国试管办案字〔2025〕1号",
        "签发人：张三",
        "分类：A3",
        "关于市政协十四届五次会议\n第010号提案答复的函",
        "尊敬的李辉松委员：",
        "您提出的《关于统筹发展景德镇日用陶瓷产业的建议》提案收悉，现答复如下：",
        "下一步，我们将继续做大做强龙头企业。",
        "附件：政协提案办理情况征询意见表",
        "国家试验区管委会办公室",
        "2025年4月29日",
        "抄送：市政协提案委员会，市政府督查室。",
        f"联系人及联系电话：{CONTACT_NAME} {CONTACT_PHONE}",
        "附件",
        "政协提案办理情况征询意见表",
    ]
    assert [line for line in lines if line in expected] == expected


def test_the_body_is_3hao_fangsong_on_a_fixed_line_pitch(reply):
    paragraph = paragraph_with(
        open_docx(letter_docx(reply)), "下一步，我们将继续做大做强龙头企业。"
    )
    layout = paragraph.paragraph_format
    assert layout.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert Pt(28) <= layout.line_spacing <= Pt(29)
    assert layout.first_line_indent == Pt(32)  # two characters
    run = paragraph.runs[0]
    assert run.font.size == Pt(16)
    assert east_asian_font(run) == "仿宋_GB2312"
    assert run.font.name == "Times New Roman"


def test_the_title_is_centred_2hao_xiaobiaosong(reply):
    document = open_docx(letter_docx(reply))
    title = paragraph_with(document, "关于市政协十四届五次会议\n第010号提案答复的函")
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.paragraph_format.first_line_indent is None
    assert title.runs[0].font.size == Pt(22)
    assert east_asian_font(title.runs[0]) == "方正小标宋简体"


def test_a_short_title_stays_on_one_line(reply):
    reply.title = "关于第10号提案的答复"
    assert "关于第10号提案的答复" in texts(open_docx(letter_docx(reply)))


def test_the_head_has_the_number_at_the_right_and_the_addressee_flush_left(reply):
    document = open_docx(letter_docx(reply))
    assert (
        paragraph_with(document, "景国试管办案字〔2025〕1号").alignment == WD_ALIGN_PARAGRAPH.RIGHT
    )
    assert east_asian_font(paragraph_with(document, "分类：A3").runs[0]) == "黑体"
    addressee = paragraph_with(document, "尊敬的李辉松委员：")
    assert addressee.alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert addressee.paragraph_format.first_line_indent is None


def test_the_signature_stands_at_the_right(reply):
    document = open_docx(letter_docx(reply))
    unit = paragraph_with(document, "国家试验区管委会办公室")
    signed_on = paragraph_with(document, "2025年4月29日")
    for paragraph in (unit, signed_on):
        assert paragraph.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert signed_on.paragraph_format.right_indent == Pt(64)  # four characters
    # The unit, longer than the date, is centred over it.
    assert unit.paragraph_format.right_indent < signed_on.paragraph_format.right_indent


def test_an_undated_letter_leaves_the_date_to_fill_in(reply):
    reply.signed_on = None
    assert "年　月　日" in texts(open_docx(letter_docx(reply)))


def test_pages_are_numbered_in_the_footer(reply):
    data = letter_docx(reply)
    footers = [name for name in zipfile.ZipFile(io.BytesIO(data)).namelist() if "footer" in name]
    assert len(footers) == 2  # odd pages at the right, even pages at the left
    for name in footers:
        xml = part_xml(data, name)
        assert 'w:instr="PAGE"' in xml
        assert "— " in xml and " —" in xml


def test_the_font_table_names_fallbacks_for_the_official_fonts(reply):
    xml = part_xml(letter_docx(reply), "word/fontTable.xml")
    for font, fallback in (
        ("仿宋_GB2312", "仿宋"),
        ("方正小标宋简体", "华文中宋"),
        ("黑体", "SimHei"),
    ):
        assert f'<w:font w:name="{font}"><w:altName w:val="{fallback}"/>' in xml
    assert xml.count('<w:charset w:val="86"/>') >= 3


def test_a_withdrawn_reply_says_so_at_the_top(reply):
    reply.withdrawn_at = timezone.make_aware(datetime.datetime(2025, 5, 6, 9, 0))
    for data in (letter_docx(reply), form_docx(reply)):
        assert texts(open_docx(data))[0] == "本答复函已于2025年5月6日撤回，不应再寄出。"


# The form.


def test_the_attachment_is_the_form_filled_in_by_the_unit(reply):
    document = open_docx(letter_docx(reply))
    attachment = paragraph_with(document, "附件")
    assert attachment.paragraph_format.page_break_before
    assert form_rows(document) == {
        "提案者": "李辉松",
        "通讯地址及/联系电话": f"{ADDRESS}/{PHONE}",
        "提案标题": "关于统筹发展景德镇日用陶瓷产业的建议",
        "提案编号": "市政协十四届五次会议第010号",
        "办理结果分类/（A1、A2、A3、B1/B2、C1、C2）": "A3/已有规定",
        "承办单位": "国家试验区管委会办公室",
        "办理态度": "　□满意　　　□基本满意　　　□不满意",
        "办理结果": "　□满意　　　□基本满意　　　□不满意",
        "意见建议": "提案者签名：　　　　　　/年　　月　　日",
    }
    label, value = (document.tables[0].cell(0, column).paragraphs[0].runs[0] for column in (1, 2))
    assert (east_asian_font(label), east_asian_font(value)) == ("黑体", "仿宋_GB2312")
    notes = "\n".join(texts(document))
    assert "C2　因法律和政策的规定或者目前条件不具备确实无法解决。" in notes
    assert "委员意见建议须本人填写并签名" in notes


def test_the_form_names_a_collective_proposers_contact(reply):
    body = ProposerFactory(
        kind=ProposerKind.BODY, name="民革市委会", contact_person="张文", phone="0798-8226265"
    )
    reply.assignment.proposal.proposer = body
    rows = form_rows(open_docx(form_docx(reply)))
    assert rows["提案者"] == "民革市委会"
    assert rows["通讯地址及/联系电话"] == "联系人：张文　0798-8226265"


def test_a_co_handling_opinion_has_no_form(reply):
    reply.assignment.role = AssignmentRole.CO_HANDLING
    xml = part_xml(letter_docx(reply), "word/document.xml")
    assert "征询意见表" not in xml


def test_the_blank_form_has_the_default_schemes_classes_and_no_data():
    document = open_docx(form_docx())
    rows = form_rows(document)
    assert rows["提案者"] == rows["提案标题"] == rows["承办单位"] == rows["提案编号"] == ""
    assert "办理结果分类/（A1、A2、A3、B1/B2、C1、C2）" in rows
    assert texts(document)[:2] == ["附件", "政协提案办理情况征询意见表"]


# What the public may not see.


def test_the_public_letter_has_no_contact_details(reply):
    data = letter_docx(reply, public=True)
    xml = part_xml(data, "word/document.xml")
    for private in (CONTACT_NAME, CONTACT_PHONE, ADDRESS, PHONE, "联系人及联系电话"):
        assert private not in xml, private
    assert "李辉松" in xml
    assert "抄送：市政协提案委员会，市政府督查室。" in xml


# The letter reader reads the documents back, as the importer extracts their text.


def test_the_reader_reads_the_letter_back(reply):
    letter = read_letter(file_text("letter.docx", letter_docx(reply)))
    proposal = reply.assignment.proposal
    assert letter.doc_number == reply.doc_number
    assert letter.outcome_class == reply.outcome_class.code
    assert (letter.term, letter.meeting) == (proposal.session.term, proposal.session.meeting)
    assert letter.proposal_number == proposal.printed_number
    assert letter.title == reply.title
    assert letter.addressee == reply.addressee
    assert letter.proposal_title == reply.proposal_title
    assert letter.unit == reply.signing_unit
    assert letter.signed_on == reply.signed_on
    assert letter.copied_to == reply.copied_to
    assert (letter.contact_name, letter.contact_phone) == (CONTACT_NAME, CONTACT_PHONE)
    assert letter.signer == reply.signer
    assert letter.form.proposer_address == ADDRESS
    assert letter.form.proposer_phone == PHONE
    assert letter.form.outcome_class == "A3"
    assert letter.form.attitude_rating is None
    assert letter.warnings == []


def test_the_reader_reads_the_public_letter_without_contact(reply):
    letter = read_letter(file_text("letter.docx", letter_docx(reply, public=True)))
    assert letter.doc_number == reply.doc_number
    assert (letter.contact_name, letter.contact_phone) == (None, None)
    assert (letter.form.proposer_address, letter.form.proposer_phone) == (None, None)


# Who may download what.


def letter_url(reply) -> str:
    return reverse("proposals:print-letter-docx", args=[reply.pk])


def form_url(reply) -> str:
    return reverse("proposals:print-form-docx", args=[reply.pk])


def public_url(reply) -> str:
    return reverse("proposals:public-letter-docx", args=[reply.pk])


def test_the_urls():
    assert letter_url(ReplyLetterFactory.build(pk=12)) == "/print/replies/12/letter.docx"
    assert form_url(ReplyLetterFactory.build(pk=12)) == "/print/replies/12/form.docx"
    assert BLANK_FORM == "/print/form.docx"
    assert public_url(ReplyLetterFactory.build(pk=12)) == "/proposals/replies/12/letter.docx"


@pytest.mark.parametrize("url_of", [letter_url, form_url, lambda reply: BLANK_FORM])
def test_anonymous_users_are_sent_to_log_in(client, reply, url_of):
    url = url_of(reply)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('admin:login')}?next={url}"


@pytest.mark.parametrize("url_of", [letter_url, form_url, lambda reply: BLANK_FORM])
def test_users_who_are_not_staff_are_refused(client, reply, url_of):
    client.force_login(UserFactory(is_staff=False))
    assert client.get(url_of(reply)).status_code == 403


@pytest.mark.parametrize("url_of", [letter_url, form_url])
def test_another_units_reply_is_not_found(client, reply, url_of):
    client.force_login(unit_staff(HandlingUnitFactory()))
    assert client.get(url_of(reply)).status_code == 404


@pytest.mark.parametrize(
    ("url_of", "filename", "ascii_filename"),
    [
        (letter_url, "景国试管办案字〔2025〕1号.docx", "reply-{pk}.docx"),
        (
            form_url,
            "景国试管办案字〔2025〕1号 政协提案办理情况征询意见表.docx",
            "reply-{pk}-form.docx",
        ),
    ],
)
def test_unit_staff_download_their_own_units_replies(
    client, reply, url_of, filename, ascii_filename
):
    client.force_login(unit_staff(reply.unit))
    response = client.get(url_of(reply))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"] == (
        f'attachment; filename="{ascii_filename.format(pk=reply.pk)}"; '
        f"filename*=UTF-8''{quote(filename)}"
    )
    assert response["Cache-Control"].startswith("max-age=0")
    assert open_docx(response.content).paragraphs


def test_staff_get_the_letter_with_its_contact(client, reply):
    client.force_login(SupervisorFactory())
    xml = part_xml(client.get(letter_url(reply)).content, "word/document.xml")
    assert CONTACT_PHONE in xml


def test_a_withdrawn_reply_still_downloads_for_staff(client, reply):
    reply.withdrawn_at = timezone.now()
    reply.save()
    client.force_login(unit_staff(reply.unit))
    response = client.get(letter_url(reply))
    assert response.status_code == 200
    assert "不应再寄出" in part_xml(response.content, "word/document.xml")


def test_any_staff_member_downloads_the_blank_form(client):
    client.force_login(UserFactory())
    response = client.get(BLANK_FORM)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="form.docx";')


def test_anyone_downloads_a_published_letter_without_contact_details(client, reply):
    response = client.get(public_url(reply))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    xml = part_xml(response.content, "word/document.xml")
    assert reply.doc_number in xml
    for private in (CONTACT_NAME, CONTACT_PHONE, ADDRESS, PHONE):
        assert private not in xml, private


@pytest.mark.parametrize(
    "change", [{"is_published": False}, {"withdrawn_at": datetime.datetime.now(datetime.UTC)}]
)
def test_an_unpublished_or_withdrawn_letter_is_not_public(client, reply, change):
    for field, value in change.items():
        setattr(reply, field, value)
    reply.save()
    assert client.get(public_url(reply)).status_code == 404


# Where the downloads are offered.


def test_the_pages_link_to_the_downloads(client, reply):
    public_page = client.get(reverse("proposals:detail", args=[reply.assignment.proposal.pk]))
    assert public_url(reply) in public_page.content.decode()
    client.force_login(get_user_model().objects.create_superuser("root", password="x-pass-123"))
    admin_page = client.get(reverse("admin:proposals_replyletter_change", args=[reply.pk]))
    for url in (letter_url(reply), form_url(reply)):
        assert url in admin_page.content.decode()
    letter_page = client.get(reverse("proposals:print-letter", args=[reply.pk]))
    assert letter_url(reply) in letter_page.content.decode()
    form_page = client.get(reverse("proposals:print-form", args=[reply.pk]))
    assert form_url(reply) in form_page.content.decode()
    blank_page = client.get(reverse("proposals:print-blank-form"))
    assert BLANK_FORM in blank_page.content.decode()


def test_the_letter_takes_a_fixed_number_of_queries(client, reply, django_assert_max_num_queries):
    client.force_login(unit_staff(reply.unit))
    with django_assert_max_num_queries(6):
        assert client.get(letter_url(reply)).status_code == 200
