"""The text of a reply letter from its file: .txt, .md, .docx or .pdf.

`file_text` picks the reader by the file's suffix and checks that the content really is of
that kind. A file that gives no text raises `UnreadableFile`, whose message tells staff, in
Chinese, what to do. The text is shaped for `reader.read_letter`: a table row is one line
with its cells separated by TAB, and a cell's own lines are joined with <br>.
"""

import codecs
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePath

import docx
import pypdf
from docx.oxml.ns import qn

SUFFIXES = (".txt", ".md", ".docx", ".pdf")
SAVE_AS_DOCX = (".doc", ".wps", ".rtf", ".odt")
IMAGES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif", ".heic")


# A letter is a few pages: files far larger than that are refused before they are parsed, so
# a crafted file (a zip bomb, a PDF of huge content streams) cannot exhaust a web worker.
DOCX_MAX_UNPACKED_MB = 100
PDF_MAX_PAGES = 100
PDF_MAX_CONTENT_MB = 8
TOO_LARGE = "文件内容过大，不像一封答复函（{what}）"


class UnreadableFile(ValueError):
    """The file gives no letter text; str() says why, in Chinese, for staff."""


# ---------------------------------------------------------------------------- entry points


def file_text(name: str, data: bytes) -> str:
    """The letter's text from a file's bytes; `name` (or a path) gives the suffix."""
    suffix = PurePath(name).suffix.lower()
    read = READERS.get(suffix)
    if read is None:
        raise UnreadableFile(_unsupported(suffix))
    if not data.strip():
        raise UnreadableFile("文件为空")
    text = read(data)
    if not text.strip():
        raise UnreadableFile("文件中没有文字")
    return text


def path_text(path: Path) -> str:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError as error:
        raise UnreadableFile(f"找不到文件：{path}") from error
    except OSError as error:
        raise UnreadableFile(f"无法打开文件：{path}（{error.strerror or error}）") from error
    return file_text(path.name, data)


def letter_files(paths: Iterable[Path]) -> list[Path]:
    """The files to read: folders expanded (recursively) to their letter files, without
    hidden files and Word's lock files (~$…); files named explicitly are kept whatever
    their suffix, so the caller can report them as unsupported."""
    found: dict[Path, Path] = {}
    for path in map(Path, paths):
        for file in _folder_files(path) if path.is_dir() else [path]:
            found.setdefault(file.resolve(), file)
    return sorted(found.values())


def _folder_files(folder: Path) -> Iterator[Path]:
    for file in folder.rglob("*"):
        hidden = any(part.startswith((".", "~$")) for part in file.relative_to(folder).parts)
        if not hidden and file.suffix.lower() in SUFFIXES and file.is_file():
            yield file


def _unsupported(suffix: str) -> str:
    shown = suffix or "无扩展名"
    if suffix in SAVE_AS_DOCX:
        return f"不支持的文件类型：{shown}（请另存为 .docx）"
    if suffix in IMAGES:
        return f"不支持的文件类型：{shown}（图片请先做文字识别，或上传带文字的 PDF）"
    return f"不支持的文件类型：{shown}（支持 {'、'.join(SUFFIXES)}）"


# ---------------------------------------------------------------------------- what it is

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office 97–2003: .doc, .xls, .wps
MAGIC = [
    (b"%PDF", "一个 PDF 文件"),
    (OLE_MAGIC, "旧版 Word（.doc）格式，请另存为 .docx"),
    (b"PK\x03\x04", "压缩包（zip、.xlsx 等）"),
    (b"\xff\xd8\xff", "图片（JPEG）"),
    (b"\x89PNG", "图片（PNG）"),
]


def _content_kind(data: bytes) -> str:
    """What the bytes look like, for a message saying the suffix does not fit."""
    if kind := next((kind for magic, kind in MAGIC if data.startswith(magic)), None):
        return kind
    if b"\0" not in data:
        try:
            _decode(data)
            return "纯文本"
        except UnreadableFile:
            pass
    return "无法识别的内容"


# ---------------------------------------------------------------------------- text files


def _text_file(data: bytes) -> str:
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and (b"\0" in data or any(data.startswith(magic) for magic, _ in MAGIC)):
        raise UnreadableFile(f"不是文本文件：内容是{_content_kind(data)}")
    return _decode(data)


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with its BOM (Windows Notepad's “Unicode”), then
    GB18030, which old Chinese Windows files use and which includes GBK and GB2312."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        encodings = ["utf-8-sig", "gb18030"]
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("无法识别文本编码（请另存为 UTF-8 编码的文本）")


# ---------------------------------------------------------------------------------- docx

CHECKED, UNCHECKED = "☑", "□"
# Checkbox glyphs of the symbol fonts, by their code in the font's private-use range.
# A box with a cross (☒) is a ticked box too; a bare tick (✓) is kept as a tick.
SYMBOL_MARKS = {
    "wingdings 2": {
        0xF052: CHECKED,
        0xF053: CHECKED,  # ☒
        0xF050: "✓",
        0xF0A3: UNCHECKED,
        0xF0A2: UNCHECKED,
    },
    "wingdings": {
        0xF0FE: CHECKED,
        0xF0FD: CHECKED,  # ☒
        0xF0FC: "✓",
        0xF0A8: UNCHECKED,
        0xF06F: UNCHECKED,
        0xF0A1: UNCHECKED,
    },
}
ON_VALUES = ("1", "true", "on")
W14_CHECKBOX = qn("w14:checkbox")
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
# Not shown on the page: paragraph and run properties (their w:tab are tab stops), deleted
# and moved-away text, field codes, and the old-Word copy of a text box (mc:Fallback).
HIDDEN_TAGS = {
    *map(qn, ["w:pPr", "w:rPr", "w:del", "w:moveFrom", "w:instrText", "w:delText"]),
    f"{MC}Fallback",
}


def _docx_text(data: bytes) -> str:
    if problem := _docx_problem(data):
        raise UnreadableFile(f"不是有效的 Word（.docx）文件：{problem}")
    try:
        body = docx.Document(io.BytesIO(data)).element.body
        return "\n".join(_block_lines(body, in_table=False))
    except Exception as error:  # python-docx and lxml raise many kinds on damaged parts
        raise UnreadableFile("不是有效的 Word（.docx）文件：文件已损坏") from error


def _docx_problem(data: bytes) -> str | None:
    """Why the bytes are no .docx, or None: a .docx is a zip holding word/document.xml."""
    if not data.startswith(b"PK"):
        return f"内容是{_content_kind(data)}"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            names = [info.filename for info in infos]
    except zipfile.BadZipFile:
        return "文件已损坏（压缩包不完整）"
    if not any(re.fullmatch(r"word/document\d*\.xml", name) for name in names):
        return "压缩包中没有 Word 正文（可能是 Excel 等文件）"
    if sum(info.file_size for info in infos) > DOCX_MAX_UNPACKED_MB * 2**20:
        return TOO_LARGE.format(what=f"解压后超过 {DOCX_MAX_UNPACKED_MB} MB")
    return None


def _block_lines(container, *, in_table: bool) -> Iterator[str]:
    """The lines of a body, a table cell or a text box, paragraphs and tables in document
    order (a letter's header may stand in a layout table). Headers and footers, which hold
    page numbers, are parts of their own and not walked."""
    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            yield _inline_text(child, in_table=in_table)
        elif child.tag == qn("w:tbl"):
            yield from _table_lines(child)
        elif child.tag in (qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")):
            yield from _block_lines(child, in_table=in_table)


def _table_lines(table) -> Iterator[str]:
    for row in table.iterchildren(qn("w:tr")):
        yield "\t".join(_cell_text(cell) for cell in _row_cells(row))


def _row_cells(row) -> Iterator:
    """The row's own w:tc elements. python-docx's row.cells repeats a merged cell once per
    grid column (and per row it spans); the elements give each cell once, and the
    continuation of a vertically merged cell is an empty w:tc, a blank cell as converters
    print it."""
    for child in row.iterchildren():
        if child.tag == qn("w:tc"):
            yield child
        elif child.tag in (qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")):
            yield from _row_cells(child)


def _cell_text(cell) -> str:
    """A cell's paragraphs (and line breaks) joined with <br>, which the form reader splits
    on; a row must stay one line."""
    lines = "\n".join(_block_lines(cell, in_table=True)).split("\n")
    return "<br>".join(line.strip() for line in lines if line.strip())


def _inline_text(element, *, in_table: bool) -> str:
    return "".join(_node_text(child, in_table=in_table) for child in element.iterchildren())


def _node_text(node, *, in_table: bool) -> str:
    """The text a paragraph's element shows, its children's included."""
    tag = node.tag
    if tag == qn("w:t"):
        return node.text or ""
    if tag == qn("w:tab"):  # in a table, a tab separates what the form reader splits
        return "\t" if in_table else " "
    if tag in (qn("w:br"), qn("w:cr")):
        return "\n"
    if tag == qn("w:sym"):
        return _sym(node)
    if tag == qn("w:sdt") and node.find(f"{qn('w:sdtPr')}/{W14_CHECKBOX}") is not None:
        return _content_control_checkbox(node)
    if tag == qn("w:fldChar"):
        return _legacy_checkbox(node)
    if tag == qn("w:txbxContent"):  # a text box: its paragraphs as lines of their own
        return "\n" + "\n".join(_block_lines(node, in_table=in_table)) + "\n"
    if tag == qn("w:r") and (font := _symbol_font(node)):
        return _symbol_run_text(_inline_text(node, in_table=in_table), font)
    if tag in HIDDEN_TAGS or not isinstance(tag, str):  # comments and processing instructions
        return ""
    return _inline_text(node, in_table=in_table)


def _sym(sym) -> str:
    """A symbol inserted with Insert ▸ Symbol: the checkbox it draws, or nothing."""
    try:
        code = int(sym.get(qn("w:char"), ""), 16)
    except ValueError:
        return ""
    return _symbol_mark(sym.get(qn("w:font"), "").strip().lower(), code)


def _symbol_mark(font: str, code: int) -> str:
    """The checkbox a symbol font's glyph shows; fonts are addressed from 0x00 or 0xF000."""
    return SYMBOL_MARKS.get(font, {}).get(code | 0xF000 if code < 0x100 else code, "")


def _symbol_font(run) -> str | None:
    """The run's font when it is a checkbox symbol font (Wingdings, Wingdings 2)."""
    fonts = run.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    if fonts is None:
        return None
    font = (fonts.get(qn("w:ascii")) or fonts.get(qn("w:hAnsi")) or "").strip().lower()
    return font if font in SYMBOL_MARKS else None


def _symbol_run_text(text: str, font: str) -> str:
    """Text typed in a symbol font: “R” in Wingdings 2 shows ☑. Its other glyphs (bullets,
    arrows) are dropped; whitespace and Chinese text, drawn in other fonts, are kept."""
    return "".join(
        _symbol_mark(font, ord(char)) if _in_symbol_font(ord(char)) else char for char in text
    )


def _in_symbol_font(code: int) -> bool:
    return 0x21 <= code < 0x100 or 0xF000 <= code < 0xF100


def _content_control_checkbox(sdt) -> str:
    """A Word 2010 checkbox content control: its state, not the glyph it shows."""
    checked = sdt.find(f"{qn('w:sdtPr')}/{W14_CHECKBOX}/{qn('w14:checked')}")
    is_on = checked is not None and checked.get(qn("w14:val"), "1").lower() in ON_VALUES
    return CHECKED if is_on else UNCHECKED


def _legacy_checkbox(fld_char) -> str:
    """A legacy form-field checkbox (FORMCHECKBOX): Word draws it, the text has nothing."""
    box = fld_char.find(f"{qn('w:ffData')}/{qn('w:checkBox')}")
    if box is None:
        return ""
    state = box.find(qn("w:checked"))
    if state is None:
        state = box.find(qn("w:default"))
    is_on = state is not None and state.get(qn("w:val"), "1").lower() in ON_VALUES
    return CHECKED if is_on else UNCHECKED


# ----------------------------------------------------------------------------------- pdf

# Some PDF makers map Chinese characters to look-alike Kangxi radicals (⼀, ⼈, ⽂ for 一, 人,
# 文): the reader would not find 一是 or 人民; NFKC gives the ideographs back.
KANGXI_RADICALS = {code: unicodedata.normalize("NFKC", chr(code)) for code in range(0x2F00, 0x2FD6)}
NO_TEXT_LAYER = "PDF 没有文字层（可能是扫描图片），请先做文字识别（OCR）"
ENCRYPTED = "PDF 已加密，请先解除密码或另存为未加密的 PDF"


def _pdf_text(data: bytes) -> str:
    # Readers accept the %PDF header anywhere in the first 1024 bytes.
    if b"%PDF-" not in data[:1024]:
        raise UnreadableFile(f"不是有效的 PDF 文件：内容是{_content_kind(data)}")
    if b"%%EOF" not in data.rstrip()[-2048:]:
        # pypdf would rebuild the cross-reference table and read what is left of the
        # pages: a letter cut short must not pass for a whole one.
        raise UnreadableFile("PDF 文件不完整（可能在下载或复制时中断），请重新获取")
    try:
        pages = list(_pdf_pages(pypdf.PdfReader(io.BytesIO(data))))
    except UnreadableFile:
        raise
    except Exception as error:  # pypdf raises many kinds on damaged files
        raise UnreadableFile("不是有效的 PDF 文件：文件已损坏") from error
    text = "\n".join(pages).translate(KANGXI_RADICALS)
    if not text.strip():
        raise UnreadableFile(NO_TEXT_LAYER)
    return text


def _pdf_pages(pdf: pypdf.PdfReader) -> Iterator[str]:
    """Each page's text. pypdf already tried the empty password, which opens the PDFs that
    are only protected against editing or printing."""
    if pdf.is_encrypted and pdf.decrypt("") == pypdf.PasswordType.NOT_DECRYPTED:
        raise UnreadableFile(ENCRYPTED)
    # The default ("plain") mode gives the lines in reading order, right-aligned ones
    # (signing unit, date) on lines of their own. "layout" mode pads with runs of spaces
    # to keep the columns, also inside sentences (企业    9家), and puts side by side what
    # stands side by side, while the reader reads line by line.
    if len(pdf.pages) > PDF_MAX_PAGES:
        raise UnreadableFile(TOO_LARGE.format(what=f"超过 {PDF_MAX_PAGES} 页"))
    content = 0
    for page in pdf.pages:
        content += _content_size(page)
        if content > PDF_MAX_CONTENT_MB * 2**20:
            raise UnreadableFile(TOO_LARGE.format(what=f"页面内容超过 {PDF_MAX_CONTENT_MB} MB"))
        yield page.extract_text()


def _content_size(page: pypdf.PageObject) -> int:
    """The decoded size of the page's content streams (one stream, or an array of them)."""
    contents = page.get("/Contents")
    if contents is None:  # a blank page
        return 0
    contents = contents.get_object()
    streams = contents if isinstance(contents, pypdf.generic.ArrayObject) else [contents]
    return sum(len(stream.get_object().get_data()) for stream in streams)


READERS = {".txt": _text_file, ".md": _text_file, ".docx": _docx_text, ".pdf": _pdf_text}
