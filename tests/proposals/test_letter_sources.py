"""Letter text from files: .txt and .md, .docx built here with python-docx, and .pdf.

The PDFs in tests/fixtures/letters were made once from these .docx letters with
LibreOffice (see make_pdfs.py there): CI has no LibreOffice. Pure: no database.
"""

import io
import zipfile
from datetime import date
from pathlib import Path

import docx
import pypdf
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt

from proposals.letters import sources
from proposals.letters.reader import Rating, read_letter
from proposals.letters.sources import (
    UnreadableFile,
    file_text,
    letter_files,
    path_text,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "letters"

# ------------------------------------------------------------------- a letter as Word holds it

DOC_NUMBER = "景国试管办案字〔2025〕1号"
CLASS = "分类：A3"
TITLE = ("关于市政协十四届五次会议", "第010号提案答复的函")  # two lines, a line break between
ADDRESSEE = "尊敬的李辉松委员："
BODY = (
    "您提出的《关于统筹发展景德镇日用陶瓷产业的建议》提案已收悉。感谢您对我市陶瓷产业发展"
    "工作的关心和支持，您提出的建议非常具备参考价值和现实意义。",
    "近年来，在省市委、政府的领导下，通过改革改制、科技创新、招商引资等一系列措施，日用陶瓷"
    "生产实现恢复增长，传统陶瓷工业呈现出新的活力，陶瓷工业总产值持续稳定增长。",
    "一是集群发展上，构建特色优势。大力发展中高档日用瓷，支持生产工艺、技术、装备创新和产品"
    "艺术化发展，提高青花、玲珑、粉彩、颜色釉等传统名瓷的竞争力。重点扶持了红叶等一批日用"
    "陶瓷企业做大做强，引导中小陶瓷企业加强战略合作，提升了规模化生产和综合配套能力。",
    "二是品牌建设上，加快法制化标准化进程。大力推进“景德镇制”区域品牌重塑，实施《“景德镇"
    "制”陶瓷保护条例》，通过出台地方性法规，建立条块结合、管执联动、部门协同的运行机制。",
    "三是转型升级上，推动数智化改造。国家级两化融合管理体系评定（贯标）陶瓷类企业9家、省级"
    "两化融合示范陶瓷企业27家。2024年，全市包括陶瓷企业在内累计新增上云4414家。",
    "四是整体规划上，做好要素支持。以市政府1号文件印发《景德镇市制造业重点产业链现代化建设"
    "行动方案（2024—2026年）》，从政策层面多方面加大支持力度。2024年实施了66个陶瓷产业市"
    "重点项目，总投资近600亿元，充分发挥政府投资带动放大效应。",
    "下一步，我们还将继续充分发挥试验区管委会办公室综合服务协调的功能，进一步加强与市工信局、"
    "市商务局、市市场监管局等部门的沟通联系，推动日用陶瓷在传承和创新中实现新突破，为我市"
    "陶瓷行业整体结构调整、规模化产业化发展提供坚实的支撑。",
)
ATTACHMENT = "附件：政协提案办理情况征询意见表"
UNIT = "国家试验区管委会办公室"
SIGNED = "2025年4月29日"
COPIES = "抄送：市政协提案委员会，市政府督查室。"
CONTACT = "联系人及联系电话：洪迈 15107989915"

# The fields a letter file must give as the seed's text does.
FIELDS = (
    "doc_number",
    "outcome_class",
    "term",
    "meeting",
    "proposal_number",
    "addressee",
    "proposal_title",
    "unit",
    "signed_on",
    "copied_to",
    "contact_name",
    "contact_phone",
)


def fields(letter) -> dict:
    return {name: getattr(letter, name) for name in FIELDS}


@pytest.fixture(scope="module")
def seed_fields() -> dict:
    (path,) = (ROOT / "seeds").glob("001_*.txt")
    return fields(read_letter(path.read_text(encoding="utf-8")))


def xml(text: str):
    return parse_xml(text.replace("NS", nsdecls("w", "w14")))


def page_number_footer(document) -> None:
    """A footer “— 1 —” with a PAGE field: Word prints it, the text must not carry it."""
    footer = document.sections[0].footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ")
    footer._p.append(xml('<w:fldSimple NS w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    footer.add_run(" —")


def add_header(document, *, in_table: bool) -> None:
    if not in_table:
        document.add_paragraph(DOC_NUMBER).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        document.add_paragraph(CLASS)
        return
    table = document.add_table(rows=1, cols=2)  # a layout table: no borders
    for column, text, width in zip(table.columns, (CLASS, DOC_NUMBER), (5, 11), strict=True):
        column.width = column.cells[0].width = Cm(width)
        column.cells[0].text = text
    table.cell(0, 1).paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def add_letter(document, *, header_in_table: bool = False) -> None:
    add_header(document, in_table=header_in_table)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(TITLE[0]).add_break(WD_BREAK.LINE)
    title.add_run(TITLE[1]).bold = True
    document.add_paragraph(ADDRESSEE)
    for text in BODY:
        document.add_paragraph(text).paragraph_format.first_line_indent = Pt(32)
    document.add_paragraph(ATTACHMENT)
    for text in (UNIT, SIGNED):
        document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for text in (COPIES, CONTACT):
        document.add_paragraph(text)


def new_document():
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.size = Pt(16)
    # The East Asian font, else LibreOffice may pick one without Chinese glyphs.
    style.font.name = "Noto Sans CJK SC"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Sans CJK SC")
    page_number_footer(document)
    return document


def letter_docx(*, header_in_table: bool = False, marks: str | None = None) -> bytes:
    """The seed letter 001 as a .docx; with `marks`, followed by the filled-in form whose
    checkboxes are of that kind (see MARKS)."""
    document = new_document()
    add_letter(document, header_in_table=header_in_table)
    if marks:
        add_form(document, marks)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------ the filled form


def unicode_mark(run, on: bool) -> None:
    run.text = "☑" if on else "□"


def symbol_mark(font: str, on_char: str, off_char: str):
    def add(run, on: bool) -> None:
        char = on_char if on else off_char
        run._r.append(xml(f'<w:sym NS w:font="{font}" w:char="{char}"/>'))

    return add


def symbol_font_text_mark(run, on: bool) -> None:
    """“R” and “£” typed in Wingdings 2 show ☑ and □."""
    run.text = "R" if on else "£"
    run.font.name = "Wingdings 2"


def content_control_mark(run, on: bool) -> None:
    """A Word 2010 checkbox content control; it shows ☒ or ☐ in MS Gothic."""
    run._r.addnext(
        xml(
            f"""<w:sdt NS><w:sdtPr><w14:checkbox>
            <w14:checked w14:val="{int(on)}"/>
            <w14:checkedState w14:val="2612" w14:font="MS Gothic"/>
            <w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/>
            </w14:checkbox></w:sdtPr>
            <w:sdtContent><w:r><w:t>{"☒" if on else "☐"}</w:t></w:r></w:sdtContent></w:sdt>"""
        )
    )


def legacy_mark(run, on: bool) -> None:
    """An old form-field checkbox (FORMCHECKBOX): Word draws it, no text shows it."""
    run._r.append(
        xml(
            f"""<w:fldChar NS w:fldCharType="begin"><w:ffData><w:name w:val="box"/>
            <w:enabled/><w:checkBox><w:sizeAuto/><w:default w:val="{int(on)}"/>
            </w:checkBox></w:ffData></w:fldChar>"""
        )
    )
    run._r.append(xml('<w:instrText NS xml:space="preserve"> FORMCHECKBOX </w:instrText>'))
    run._r.append(xml('<w:fldChar NS w:fldCharType="end"/>'))


MARKS = {
    "unicode": unicode_mark,
    "wingdings": symbol_mark("Wingdings", "F0FE", "F0A8"),
    "wingdings 2": symbol_mark("Wingdings 2", "F052", "F0A3"),
    "wingdings 2 text": symbol_font_text_mark,
    "content control": content_control_mark,
    "legacy form field": legacy_mark,
}


def add_ratings(cell, marks: str, ticked: str) -> None:
    """“☑满意 □基本满意 □不满意”, the marks of the given kind, separated by tabs."""
    paragraph = cell.paragraphs[0]
    for index, option in enumerate(("满意", "基本满意", "不满意")):
        if index:
            paragraph.add_run().add_tab()
        MARKS[marks](paragraph.add_run(), option == ticked)
        paragraph.add_run(option)


def add_form(document, marks: str) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("政协提案办理情况征询意见表").alignment = WD_ALIGN_PARAGRAPH.CENTER
    table = document.add_table(rows=7, cols=6)
    table.style = "Table Grid"
    cell = table.cell
    cell(0, 0).merge(cell(3, 0)).text = "承办单位填写"
    cell(4, 0).merge(cell(6, 0)).text = "委员填写"
    rows = [
        ["提案者", "李辉松", "通讯地址及\n联系电话", "珠山区瓷都大道1号 13900000000"],
        ["提案标题", "关于统筹发展景德镇日用陶瓷产业的建议"],
        ["提案编号", "第010号", "办理结果分类（A1、A2、A3、B1、B2、C1、C2）", "A3"],
        ["承办单位", UNIT],
        ["办理态度", ""],
        ["办理结果", ""],
        ["意见建议", "意见建议：\n希望加快落实。\n提案者签名：李辉松\n2025年5月10日"],
    ]
    for row, texts in enumerate(rows):
        cells = [cell(row, 1), *merged_cells(table, row, len(texts) - 1)]
        for target, text in zip(cells, texts, strict=True):
            lines = text.split("\n")
            target.text = lines[0]
            for line in lines[1:]:
                target.add_paragraph(line)
    add_ratings(cell(4, 2), marks, "满意")
    add_ratings(cell(5, 2), marks, "基本满意")


def merged_cells(table, row: int, count: int) -> list:
    """The cells of columns 2–5 merged into `count` cells (the last takes what is left)."""
    if count == 1:
        return [table.cell(row, 2).merge(table.cell(row, 5))]
    return [table.cell(row, 2), table.cell(row, 3), table.cell(row, 4).merge(table.cell(row, 5))]


def text_box_docx() -> bytes:
    """The letter with its document number in a text box, as Word saves one: a DrawingML
    shape and, for old Word, the same text again in a VML fallback."""
    document = new_document()
    add_letter(document)
    first = document.paragraphs[0]
    first.text = ""
    box = f"<w:txbxContent><w:p><w:r><w:t>{DOC_NUMBER}</w:t></w:r></w:p></w:txbxContent>"
    first.add_run()._r.append(
        parse_xml(
            f"""<mc:AlternateContent {nsdecls("w", "wp")}
            xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"
            xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
            xmlns:v="urn:schemas-microsoft-com:vml">
            <mc:Choice Requires="wps"><w:drawing><wp:anchor><wps:wsp><wps:txbx>{box}
            </wps:txbx></wps:wsp></wp:anchor></w:drawing></mc:Choice>
            <mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict>
            </mc:Fallback></mc:AlternateContent>"""
        )
    )
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def docx_read(data: bytes):
    return read_letter(file_text("答复函.docx", data))


# ---------------------------------------------------------------------------------- .docx


def test_docx_letter_reads_as_the_seed(seed_fields):
    letter = docx_read(letter_docx())
    assert fields(letter) == seed_fields
    assert letter.warnings == []


def test_docx_text_in_document_order_without_the_footer():
    lines = file_text("答复函.docx", letter_docx()).split("\n")
    assert lines[:4] == [DOC_NUMBER, CLASS, *TITLE]  # the title's line break kept
    assert lines[-4:] == [UNIT, SIGNED, COPIES, CONTACT]  # right-aligned lines are lines
    assert not any(line.startswith("—") for line in lines)  # the footer's page number


def test_docx_header_in_a_layout_table(seed_fields):
    text = file_text("答复函.docx", letter_docx(header_in_table=True))
    assert text.startswith(f"{CLASS}\t{DOC_NUMBER}\n{TITLE[0]}\n")
    assert fields(read_letter(text)) == seed_fields


def test_docx_text_box_is_read_once(seed_fields):
    text = file_text("答复函.docx", text_box_docx())
    assert text.count(DOC_NUMBER) == 1
    assert fields(read_letter(text)) == seed_fields


def test_docx_hidden_markup_is_not_text():
    """Deleted (tracked) text and field codes are not shown; a tab outside a table is a
    space (in a table it separates cells)."""
    document = new_document()
    paragraph = document.add_paragraph("联系人：洪迈")
    paragraph.add_run().add_tab()
    paragraph._p.append(
        xml('<w:del NS w:id="1" w:author="a"><w:r><w:delText>李四</w:delText></w:r></w:del>')
    )
    paragraph._p.append(xml("<w:r NS><w:instrText> PAGE </w:instrText></w:r>"))
    paragraph.add_run("电话：15107989915")
    buffer = io.BytesIO()
    document.save(buffer)
    assert file_text("答复函.docx", buffer.getvalue()) == "联系人：洪迈 电话：15107989915"


def test_docx_form_rows_are_lines_of_cells():
    lines = file_text("答复函.docx", letter_docx(marks="unicode")).split("\n")
    start = lines.index("政协提案办理情况征询意见表")
    # A merged cell once; the rows a vertically merged cell continues into start blank.
    assert lines[start + 1 : start + 3] == [
        "承办单位填写\t提案者\t李辉松\t通讯地址及<br>联系电话\t珠山区瓷都大道1号 13900000000",
        "\t提案标题\t关于统筹发展景德镇日用陶瓷产业的建议",
    ]
    assert lines[start + 5] == "委员填写\t办理态度\t☑满意\t□基本满意\t□不满意"
    assert (
        lines[start + 7]
        == "\t意见建议\t意见建议：<br>希望加快落实。<br>提案者签名：李辉松<br>2025年5月10日"
    )


def test_docx_form_is_read():
    letter = docx_read(letter_docx(marks="unicode"))
    form = letter.form
    assert (form.proposer, form.proposer_address, form.proposer_phone) == (
        "李辉松",
        "珠山区瓷都大道1号",
        "13900000000",
    )
    assert (form.proposal_number, form.outcome_class, form.unit) == ("010", "A3", UNIT)
    assert form.comments == "希望加快落实。"
    assert (form.signature_name, form.signed_on) == ("李辉松", date(2025, 5, 10))
    assert letter.warnings == []


@pytest.mark.parametrize("marks", MARKS)
def test_docx_form_checkboxes(marks):
    form = docx_read(letter_docx(marks=marks)).form
    assert (form.attitude_rating, form.result_rating) == (Rating.SATISFIED, Rating.BASIC)


# ----------------------------------------------------------------------------------- .pdf


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_pdf_letter_reads_as_the_seed(seed_fields):
    letter = read_letter(path_text(FIXTURES / "letter.pdf"))
    assert fields(letter) == seed_fields
    assert letter.warnings == []
    assert "三是转型升级上，推动数智化改造。" in letter.body  # joined across the page


def test_pdf_closing_lines_come_in_reading_order():
    lines = [line.strip() for line in path_text(FIXTURES / "letter.pdf").split("\n")]
    unit = lines.index(UNIT)
    assert lines[unit - 1] == ATTACHMENT
    assert lines[unit + 1].replace(" ", "") == SIGNED
    assert lines[unit + 2 : unit + 4] == [COPIES, CONTACT]


def test_pdf_header_table_and_form_page(seed_fields):
    """The header's cells come out on one line; the form's table comes out cell by cell,
    which the reader does not take for a form, but it leaves the letter's fields alone."""
    text = path_text(FIXTURES / "letter_form.pdf")
    assert text.startswith(f"{CLASS} 景国试管办案字〔2025〕1 号\n")
    assert "☑满意 □基本满意 □不满意" in text
    letter = read_letter(text)
    assert fields(letter) == seed_fields
    assert "办理态度" not in letter.body


def encrypted_pdf(user_password: str, algorithm: str = "RC4-128") -> bytes:
    writer = pypdf.PdfWriter(clone_from=FIXTURES / "letter.pdf")
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm=algorithm)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_pdf_protected_only_against_editing_reads(seed_fields):
    text = file_text("答复函.pdf", encrypted_pdf(user_password=""))
    assert fields(read_letter(text)) == seed_fields


def test_pdf_with_a_password_is_unreadable():
    with pytest.raises(UnreadableFile, match="PDF 已加密"):
        file_text("答复函.pdf", encrypted_pdf(user_password="secret"))


def test_pdf_protected_with_aes_reads(seed_fields):
    """Official PDFs are often AES-encrypted against editing: pypdf[crypto] opens them."""
    text = file_text("答复函.pdf", encrypted_pdf(user_password="", algorithm="AES-256"))
    assert fields(read_letter(text)) == seed_fields


def test_pdf_kangxi_radicals_become_ideographs(monkeypatch):
    monkeypatch.setattr(pypdf.PageObject, "extract_text", lambda page: "⼀是⼈才⽂化")
    assert file_text("答复函.pdf", fixture_bytes("letter.pdf")).startswith("一是人才文化\n")


def image_only_pdf() -> bytes:
    """A page with a drawn rectangle and no text, as a scan is to a text extractor."""
    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    drawing = pypdf.generic.DecodedStreamObject()
    drawing.set_data(b"0.5 g 72 72 451 698 re f")
    page.replace_contents(drawing)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------- text files


def seed_text(prefix: str) -> str:
    (path,) = (ROOT / "seeds").glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("答复函.txt", "utf-8"),
        ("答复函.txt", "utf-8-sig"),
        ("答复函.TXT", "gb18030"),  # old Chinese Windows files, suffix in capitals
        ("答复函.txt", "utf-16"),  # Windows Notepad's “Unicode”, with its BOM
        ("答复函.md", "utf-8"),
    ],
)
def test_text_files(seed_fields, name, encoding):
    text = file_text(name, seed_text("001").encode(encoding))
    assert fields(read_letter(text)) == seed_fields


def test_markdown_letter_with_its_form():
    letter = read_letter(file_text("答复函.md", seed_text("003").encode()))
    assert letter.doc_number == "景国试管办案字〔2024〕3号"
    assert letter.form.attitude_rating == Rating.SATISFIED


# ------------------------------------------------------------------------ unreadable files


def replaced_in_zip(data: bytes, name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            target.writestr(item, content if item.filename == name else source.read(item))
    return buffer.getvalue()


def only_in_zip(name: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "<x/>")
    return buffer.getvalue()


OLD_WORD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)

UNREADABLE = {
    "corrupt docx": ("答复函.docx", lambda: letter_docx()[:3000], "不是有效的 Word（.docx）文件"),
    "text renamed .docx": (
        "答复函.docx",
        lambda: seed_text("001").encode(),
        "不是有效的 Word（.docx）文件：内容是纯文本",
    ),
    "old Word renamed .docx": ("答复函.docx", lambda: OLD_WORD, "请另存为 .docx"),
    "Excel renamed .docx": (
        "答复函.docx",
        lambda: only_in_zip("xl/workbook.xml"),
        "压缩包中没有 Word 正文",
    ),
    "broken document.xml": (
        "答复函.docx",
        lambda: replaced_in_zip(letter_docx(), "word/document.xml", b"<w:document"),
        "不是有效的 Word（.docx）文件：文件已损坏",
    ),
    "empty docx": ("答复函.docx", lambda: b"", "文件为空"),
    "empty txt": ("答复函.txt", lambda: b"\n  \n", "文件为空"),
    "blank docx": ("答复函.docx", lambda: empty_docx(), "文件中没有文字"),
    ".doc": ("答复函.doc", lambda: OLD_WORD, "不支持的文件类型：.doc（请另存为 .docx）"),
    ".jpg": ("扫描件.jpg", lambda: b"\xff\xd8\xff\xe0", "不支持的文件类型：.jpg"),
    "no suffix": ("答复函", lambda: b"text", "不支持的文件类型：无扩展名"),
    "image-only pdf": ("扫描件.pdf", image_only_pdf, "PDF 没有文字层（可能是扫描图片）"),
    "truncated pdf": (
        "答复函.pdf",
        lambda: fixture_bytes("letter.pdf")[:40000],
        "PDF 文件不完整",
    ),
    "damaged pdf": (
        "答复函.pdf",
        lambda: b"%PDF-1.7\n1 0 obj <</Type /Catalog /Pages 9 0 R>> endobj\n%%EOF\n",
        "不是有效的 PDF 文件：文件已损坏",
    ),
    "docx renamed .pdf": ("答复函.pdf", letter_docx, "不是有效的 PDF 文件：内容是压缩包"),
    "pdf renamed .txt": ("答复函.txt", lambda: fixture_bytes("letter.pdf"), "不是文本文件"),
    "unknown encoding": ("答复函.txt", lambda: b"\x80\xff\x80\xff", "无法识别文本编码"),
}


def empty_docx() -> bytes:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "make", "message"), UNREADABLE.values(), ids=UNREADABLE)
def test_unreadable_files(name, make, message):
    with pytest.raises(UnreadableFile) as raised:
        file_text(name, make())
    assert message in str(raised.value)
    assert len(str(raised.value)) <= 60


def test_path_text_of_a_missing_file(tmp_path):
    with pytest.raises(UnreadableFile, match="找不到文件"):
        path_text(tmp_path / "答复函.docx")


# ---------------------------------------------------------------------------- letter_files


def test_letter_files_expands_folders(tmp_path, monkeypatch):
    for name in [
        "2025/b.docx",
        "2025/a.PDF",
        "2025/sub/c.txt",
        "2025/d.md",
        "2025/~$b.docx",  # Word's lock file while b.docx is open
        "2025/.e.txt",
        "2025/.git/f.txt",
        "2025/g.xlsx",
        "h.doc",
    ]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    files = letter_files([Path("2025"), Path("h.doc"), Path("2025/b.docx"), tmp_path / "2025"])
    assert files == [
        Path(name) for name in ["2025/a.PDF", "2025/b.docx", "2025/d.md", "2025/sub/c.txt", "h.doc"]
    ]


# -------------------------------------------------- files too large to be a letter are refused


def test_a_docx_that_unpacks_too_large_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(sources, "DOCX_MAX_UNPACKED_MB", 0.001)
    with pytest.raises(UnreadableFile, match="文件内容过大"):
        file_text("答复函.docx", letter_docx())


@pytest.mark.parametrize(("limit", "value"), [("PDF_MAX_PAGES", 1), ("PDF_MAX_CONTENT_MB", 0.001)])
def test_a_pdf_too_large_for_a_letter_is_refused(monkeypatch, limit, value):
    monkeypatch.setattr(sources, limit, value)
    with pytest.raises(UnreadableFile, match="文件内容过大"):
        file_text("答复函.pdf", fixture_bytes("letter.pdf"))
