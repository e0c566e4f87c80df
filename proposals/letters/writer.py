"""Reply letters (答复函) and satisfaction forms (征询意见表) as Word documents.

Laid out after GB/T 9704-2012, the format of official documents: A4 with a 156 × 225 mm type
area, 22 lines of 3号 (16 pt) 仿宋 a page, the title in 2号 小标宋, page numbers “— 1 —” at
the outer edge of each page. Content and order are those of the print pages
(templates/proposals/print_letter.html and print_form.html).

The wording is the official Chinese one and is not translated: the document is the paper a
member receives, and `proposals.letters.reader` must read it back. That is also why the form
is a table whose rows start with the reader's labels (FORM_LABELS), each followed by its value.
"""

import io
import re
from dataclasses import dataclass, replace
from datetime import date

from django.utils import timezone
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table, _Cell, _Row
from docx.text.paragraph import Paragraph
from lxml import etree

from proposals.models import AssignmentRole, OutcomeClass, Proposer, ReplyLetter

# The fonts offices use, and what Word and LibreOffice put in their place where one is not
# installed (named in the document's font table, with the GB2312 character set).
BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
PAGE_NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
FONT_FALLBACKS = {
    BODY_FONT: "仿宋",
    TITLE_FONT: "华文中宋",
    HEADING_FONT: "SimHei",
    PAGE_NUMBER_FONT: "SimSun",
}
GB2312_CHARSET = "86"

RED = "CC0000"
# 22 lines in the 225 mm type area.
LINE = 28.95
FORM_TITLE = "政协提案办理情况征询意见表"
# A line of the 2号 title holds 20 characters; a long one is broken after one of these words.
TITLE_LINE_WIDTH = 20
TITLE_BREAK = re.compile(r"会议|提案|建议|意见|》|”")
# Led by an ideographic space: LibreOffice sets a box that opens a paragraph in the Latin font.
RATING_CHOICES = "　□满意　　　□基本满意　　　□不满意"


@dataclass(frozen=True)
class Look:
    """How a paragraph is set: its font and size (pt), alignment, indents in characters of its
    size, an exact line pitch and the space around it (pt)."""

    font: str = BODY_FONT
    size: float = 16
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.LEFT
    first_line: float = 0
    left: float = 0
    right: float = 0
    line: float = LINE
    before: float = 0
    after: float = 0
    bold: bool = False
    color: str | None = None  # RRGGBB


TEXT = Look()
BODY = Look(align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line=2)
RIGHT = Look(align=WD_ALIGN_PARAGRAPH.RIGHT)
HEADING = Look(font=HEADING_FONT)
TITLE = Look(font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, line=36, after=LINE)
WARNING = Look(font=HEADING_FONT, size=14, color=RED, after=LINE / 2)
# 版记: 抄送 and the contact, 4号, one character in from both sides, between rules.
RECORD = Look(size=14, left=1, right=1, line=24)
FORM_HEADING = Look(font=TITLE_FONT, size=22, align=WD_ALIGN_PARAGRAPH.CENTER, line=36, after=12)
LABEL = Look(font=HEADING_FONT, size=12, align=WD_ALIGN_PARAGRAPH.CENTER, line=18)
LABEL_SMALL = replace(LABEL, size=9, line=12)
VALUE = Look(size=14, line=18)
VALUE_SMALL = replace(VALUE, size=12, line=16)
NOTE = Look(size=10.5, line=16)
PAGE_NUMBER = Look(font=PAGE_NUMBER_FONT, size=14, line=20)

# The form's columns (mm, 156 in all): part name, label, value, label, value.
FORM_COLUMNS = (12, 22, 42, 34, 46)
# Rows: proposer, title, number and class, unit; attitude, result, comments.
FORM_ROWS = (16, 16, 18, 12, 12, 12, 45)


# ----------------------------------------------------------------------------- public


def letter_docx(reply: ReplyLetter, *, public: bool = False) -> bytes:
    """The reply letter with its attachment, the satisfaction form. `public` leaves out the
    unit's contact and the proposer's address and phone."""
    document = _new_document(reply.title)
    _withdrawn_warning(document, reply)
    # A co-handling opinion goes to the lead unit, not to the proposer: it carries no form.
    with_form = reply.assignment.role != AssignmentRole.CO_HANDLING
    _write_letter(document, reply, public=public, with_form=with_form)
    if with_form:
        _write_form(document, reply, public=public, new_page=True)
    return _saved(document)


def form_docx(reply: ReplyLetter | None = None, *, public: bool = False) -> bytes:
    """The satisfaction form alone: the unit's part filled in from `reply`, or blank."""
    document = _new_document(FORM_TITLE)
    if reply:
        _withdrawn_warning(document, reply)
    _write_form(document, reply, public=public, new_page=False)
    return _saved(document)


# ---------------------------------------------------------------------------- the letter


def _chinese_date(day: date | None) -> str:
    """2025年4月29日; the blank 年　月　日 to fill in by hand."""
    return f"{day.year}年{day.month}月{day.day}日" if day else "年　月　日"


def _withdrawn_warning(document: DocxDocument, reply: ReplyLetter) -> None:
    if reply.withdrawn_at:
        when = _chinese_date(timezone.localtime(reply.withdrawn_at).date())
        warning = _add(document, f"本答复函已于{when}撤回，不应再寄出。", WARNING)
        _rules(warning, ("top", "left", "bottom", "right"), color=RED)


def _write_letter(
    document: DocxDocument, reply: ReplyLetter, *, public: bool, with_form: bool
) -> None:
    head = [
        _add(document, text, look)
        for text, look in (
            (reply.doc_number, RIGHT),
            (reply.signer and f"签发人：{reply.signer}", RIGHT),
            (reply.outcome_class and f"分类：{reply.outcome_class.code}", HEADING),
        )
        if text
    ]
    if head:
        _rules(head[-1], ("bottom",), color=RED, width=12)
    _add(document, _title_lines(reply.title), replace(TITLE, before=LINE if head else 0))
    if reply.addressee:
        _add(document, f"{reply.addressee}：", TEXT)
    for paragraph in _body_paragraphs(reply.body):
        _add(document, paragraph, BODY)
    if with_form:
        _add(document, "附件：政协提案办理情况征询意见表", replace(BODY, before=LINE))
    _write_signature(document, reply.signing_unit, _chinese_date(reply.signed_on))
    if reply.disclosure:  # 附注, under the date, two characters in (GB/T 9704 7.3.7)
        _add(document, f"（此件{reply.get_disclosure_display()}）", replace(TEXT, first_line=2))
    _write_record(document, reply, public=public)


def _title_lines(title: str) -> str:
    """A title too long for one line is broken where its words allow and its lines come out
    about even (GB/T 9704 7.3.1: 词意完整，排列对称); without such a place, Word wraps it."""
    if _width(title) <= TITLE_LINE_WIDTH:
        return title
    middle = _width(title) / 2
    breaks = [
        match.end()
        for match in TITLE_BREAK.finditer(title)
        if abs(_width(title[: match.end()]) - middle) <= middle / 3
    ]
    if not breaks:
        return title
    cut = min(breaks, key=lambda end: abs(_width(title[:end]) - middle))
    return f"{title[:cut]}\n{title[cut:]}"


def _body_paragraphs(body: str) -> list[str]:
    """Paragraphs are separated by blank lines; a single line break stays a line break."""
    paragraphs = (part.strip() for part in body.replace("\r\n", "\n").split("\n\n"))
    return [paragraph for paragraph in paragraphs if paragraph]


def _write_signature(document: DocxDocument, unit: str, signed_on: str) -> None:
    """The date four characters in from the right, the unit centred over it (GB/T 9704 7.3.5);
    two blank lines above leave room for the seal."""
    unit_width, date_width = _width(unit), _width(signed_on)
    date_right = 4 + max(unit_width - date_width - 8, 0) / 2  # a long unit stays on the page
    unit_right = max(date_right + (date_width - unit_width) / 2, 0)
    _add(document, unit, replace(RIGHT, right=unit_right, before=2 * LINE))
    _add(document, signed_on, replace(RIGHT, right=date_right))


def _width(text: str) -> float:
    """In characters: digits and Latin letters are half as wide as Chinese ones."""
    return sum(0.5 if char.isascii() else 1 for char in text)


def _write_record(document: DocxDocument, reply: ReplyLetter, *, public: bool) -> None:
    lines = []
    if reply.copied_to:
        lines.append(f"抄送：{'，'.join(reply.copied_to)}。")
    if not public and (reply.contact_name or reply.contact_phone):
        lines.append(f"联系人及联系电话：{reply.contact_name} {reply.contact_phone}".strip())
    paragraphs = [
        _add(document, text, replace(RECORD, before=2 * LINE if index == 0 else 0))
        for index, text in enumerate(lines)
    ]
    if paragraphs:
        _rules(paragraphs[0], ("top",), width=8)
        _rules(paragraphs[-1], ("bottom",), width=8)


# ------------------------------------------------------------------------------ the form


def _outcome_classes(reply: ReplyLetter | None) -> list[OutcomeClass]:
    """The classes of the reply's scheme, or of the default scheme."""
    if reply and reply.outcome_class:
        return list(OutcomeClass.objects.filter(scheme=reply.outcome_class.scheme_id))
    return list(OutcomeClass.objects.filter(scheme__is_default=True))


def _write_form(
    document: DocxDocument, reply: ReplyLetter | None, *, public: bool, new_page: bool
) -> None:
    attachment = _add(document, "附件", HEADING)
    attachment.paragraph_format.page_break_before = new_page
    _add(document, FORM_TITLE, FORM_HEADING)
    classes = _outcome_classes(reply)
    table = _form_grid(document)
    _write_units_part(table, reply, classes, public=public)
    _write_members_part(table)
    _write_notes(document, classes)


def _form_grid(document: DocxDocument) -> Table:
    table = document.add_table(rows=len(FORM_ROWS), cols=len(FORM_COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, FORM_COLUMNS, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for row, height in zip(table.rows, FORM_ROWS, strict=True):
        row.height = Mm(height)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    # The part names stand in a narrow column, one character a line.
    _fill(table.cell(0, 0).merge(table.cell(3, 0)), ["承办单位填写"], LABEL)
    _fill(table.cell(4, 0).merge(table.cell(6, 0)), ["委员填写"], LABEL)
    return table


def _write_units_part(
    table: Table, reply: ReplyLetter | None, classes: list[OutcomeClass], *, public: bool
) -> None:
    proposal = reply.assignment.proposal if reply else None
    rows = table.rows
    _field(rows[0], 1, "提案者", [proposal.proposer.name] if proposal else [])
    contact = _proposer_contact(proposal.proposer) if proposal and not public else []
    _field(rows[0], 3, "通讯地址及\n联系电话", contact, look=VALUE_SMALL)
    _field(rows[1], 1, "提案标题", [proposal.title] if proposal else [], span=True)
    number = f"{proposal.session}第{proposal.printed_number}号" if proposal else ""
    _field(rows[2], 1, "提案编号", [number])
    outcome_class = reply.outcome_class if reply else None
    code = outcome_class.code if outcome_class else ""
    value = _field(rows[2], 3, "办理结果分类", [code], look=replace(VALUE, bold=True))
    if outcome_class:
        _add(value, outcome_class.definition, NOTE)
    for line in _code_lines(classes):
        _add(rows[2].cells[3], line, LABEL_SMALL)
    unit = (reply.unit.full_name or reply.unit.name) if reply else ""
    _field(rows[3], 1, "承办单位", [unit], span=True)


def _code_lines(classes: list[OutcomeClass]) -> list[str]:
    """（A1、A2、A3、B1 / B2、C1、C2）: four codes a line, so that the narrow cell does not
    break the list where it likes (after the bracket)."""
    if not classes:
        return []
    codes = [outcome_class.code for outcome_class in classes]
    lines = ["、".join(codes[start : start + 4]) for start in range(0, len(codes), 4)]
    lines[0], lines[-1] = f"（{lines[0]}", f"{lines[-1]}）"
    return lines


def _proposer_contact(proposer: Proposer) -> list[str]:
    """The address, and the phone (with the contact person of a collective proposer)."""
    person = f"联系人：{proposer.contact_person}　" if proposer.contact_person else ""
    phone = f"{person}{proposer.phone}".strip("　")
    return [line for line in (proposer.address, phone) if line]


def _write_members_part(table: Table) -> None:
    rows = table.rows
    _field(rows[4], 1, "办理态度", [RATING_CHOICES], span=True)
    _field(rows[5], 1, "办理结果", [RATING_CHOICES], span=True)
    comments = _field(rows[6], 1, "意见建议", [], span=True)
    comments.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
    signature = replace(VALUE, align=WD_ALIGN_PARAGRAPH.RIGHT, right=2, line=28)
    _fill(comments, ["提案者签名：" + "　" * 6, "年　　月　　日"], signature)


def _field(
    row: _Row,
    column: int,
    label: str,
    lines: list[str],
    *,
    span: bool = False,
    look: Look = VALUE,
) -> _Cell:
    """A label cell and its value cell (to the table's right edge when `span`). A label's
    line breaks are kept as paragraphs: a cell's text stays on one line when extracted."""
    cells = row.cells
    _fill(cells[column], label.split("\n"), LABEL)
    value = cells[column + 1].merge(cells[-1]) if span else cells[column + 1]
    _fill(value, lines, look)
    return value


def _fill(cell: _Cell, lines: list[str], look: Look) -> None:
    """Write `lines` as the cell's paragraphs (a new cell holds one empty paragraph)."""
    for index, text in enumerate(lines or [""]):
        if index == 0:
            _format(cell.paragraphs[0], text, look)
        else:
            _add(cell, text, look)


def _write_notes(document: DocxDocument, classes: list[OutcomeClass]) -> None:
    standard = "；".join(f"{c.code}　{c.definition}" for c in classes)
    _add(document, "备注：", replace(NOTE, before=6))
    for text in (
        f"1. 办理结果分类标准：{standard}。",
        "2. 委员意见建议须本人填写并签名。",
        "3. 填写完成后，承办单位保留一份存档，一份报市政协提案委员会，一份报市政府督查室。",
    ):
        _add(document, text, replace(NOTE, first_line=2))


# ------------------------------------------------------------------------ the document


def _new_document(title: str) -> DocxDocument:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)
    _set_defaults(document)
    _add_font_fallbacks(document)
    _add_page_numbers(document)
    properties = document.core_properties
    properties.title, properties.author, properties.comments = title, "", ""
    properties.last_modified_by = ""
    return document


def _set_defaults(document: DocxDocument) -> None:
    """仿宋 for every run without fonts of its own, Chinese as the East Asian language, no
    space after paragraphs (python-docx's template defaults to Calibri, Japanese, 10 pt)."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    fonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    fonts.attrib.clear()
    for attribute, name in (("ascii", LATIN_FONT), ("hAnsi", LATIN_FONT), ("eastAsia", BODY_FONT)):
        fonts.set(qn(f"w:{attribute}"), name)
    language = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    language.set(qn("w:eastAsia"), "zh-CN")
    document.settings.element.find(qn("w:themeFontLang")).set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    normal.font.size = Pt(16)
    normal.paragraph_format.space_after = Pt(0)


def _add_font_fallbacks(document: DocxDocument) -> None:
    part = document.part.part_related_by(RELATIONSHIP_TYPE.FONT_TABLE)
    font_table = etree.fromstring(part.blob)
    for name, fallback in FONT_FALLBACKS.items():
        font_table.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{fallback}"/>'
                f'<w:charset w:val="{GB2312_CHARSET}"/></w:font>'
            )
        )
    # python-docx keeps the font table as a plain part: its bytes are replaced.
    part._blob = etree.tostring(font_table, xml_declaration=True, encoding="UTF-8")


def _add_page_numbers(document: DocxDocument) -> None:
    """“— 1 —” in 4号 宋体, one character in from the outer edge: right on odd pages, left on
    even ones (GB/T 9704 7.5)."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, look in (
        (section.footer, replace(PAGE_NUMBER, align=WD_ALIGN_PARAGRAPH.RIGHT, right=1)),
        (section.even_page_footer, replace(PAGE_NUMBER, left=1)),
    ):
        paragraph = _format(footer.paragraphs[0], "— ", look, latin=PAGE_NUMBER_FONT)
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        paragraph._p.append(field)
        number = paragraph.add_run("1")  # what shows until the page is laid out
        _set_font(number, look, PAGE_NUMBER_FONT)
        field.append(number._r)
        _set_font(paragraph.add_run(" —"), look, PAGE_NUMBER_FONT)


def _saved(document: DocxDocument) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------- paragraphs


def _add(container, text: str, look: Look) -> Paragraph:
    """A new paragraph at the end of a document, cell or footer."""
    return _format(container.add_paragraph(), text, look)


def _format(paragraph: Paragraph, text: str, look: Look, *, latin: str = LATIN_FONT) -> Paragraph:
    if text:
        _set_font(paragraph.add_run(text), look, latin)
    layout = paragraph.paragraph_format
    layout.alignment = look.align
    layout.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    layout.line_spacing = Pt(look.line)
    layout.space_before, layout.space_after = Pt(look.before), Pt(look.after)
    layout.first_line_indent = Pt(look.first_line * look.size) if look.first_line else None
    layout.left_indent = Pt(look.left * look.size) if look.left else None
    layout.right_indent = Pt(look.right * look.size) if look.right else None
    return paragraph


def _set_font(run, look: Look, latin: str) -> None:
    run.font.name = latin  # the ASCII and “high ANSI” fonts: digits and Latin letters
    fonts = run._r.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), look.font)
    # Characters of either script (□, “”, —) are set in the Chinese font.
    fonts.set(qn("w:hint"), "eastAsia")
    run.font.size = Pt(look.size)
    run.font.bold = look.bold or None
    if look.color:
        run.font.color.rgb = RGBColor.from_string(look.color)


# Where a paragraph border goes among the paragraph properties (the schema fixes the order).
AFTER_BORDERS = ("w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc", "w:rPr", "w:sectPr")


def _rules(paragraph: Paragraph, sides: tuple[str, ...], *, color="000000", width=8) -> None:
    """Lines along the paragraph's `sides`; `width` in eighths of a point."""
    borders = OxmlElement("w:pBdr")
    for side in sides:
        rule = OxmlElement(f"w:{side}")
        for attribute, value in (("val", "single"), ("sz", width), ("space", 1), ("color", color)):
            rule.set(qn(f"w:{attribute}"), str(value))
        borders.append(rule)
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *AFTER_BORDERS)
