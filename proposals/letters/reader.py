"""Read a CPPCC proposal reply letter (提案答复函) from its extracted text.

The texts come from scans and converters, so they carry page marks (— 2 —), lines broken
every ~30 characters, stray spaces inside numbers (第010 号), full-width digits, Markdown
headings and bold, and sometimes the filled-in satisfaction form (征询意见表) as a table with
HTML checkboxes. `read_letter` turns such a text into a `ParsedLetter`.

It reads the way a person does: first the header (document number, class, title,
addressee), then the closing (signing unit, date, copies, contact), then the body between
them, then the form after the letter. What it cannot find is None and named in `warnings`.
Pure Python on purpose (no Django): every importer (txt, md, docx, pdf) shares it.
"""

import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import cn2an

from .doc_numbers import split_doc_number

# ---------------------------------------------------------------------------- public types


class Rating:
    """The satisfaction ratings, as the models store them."""

    SATISFIED = "satisfied"
    BASIC = "basically_satisfied"
    DISSATISFIED = "dissatisfied"


@dataclass
class ParsedForm:
    """The filled-in 政协提案办理情况征询意见表 a letter may carry after its closing."""

    proposer: str | None
    proposer_address: str | None
    proposer_phone: str | None
    proposal_title: str | None  # as printed on the form: it may differ from the letter's
    proposal_number: str | None  # "165", without 第/号
    outcome_class: str | None
    unit: str | None
    attitude_rating: str | None  # a Rating value; None when nothing is ticked
    result_rating: str | None
    comments: str
    signature_name: str
    signed_on: date | None


@dataclass
class ParsedLetter:
    doc_number: str | None
    doc_prefix: str | None
    doc_year: int | None
    doc_sequence: int | None
    outcome_class: str | None
    committee: str | None
    committee_level: str | None
    term: int | None
    meeting: int | None
    proposal_number: str | None
    title: str | None
    addressee: str | None
    proposer_name: str | None
    proposer_is_member: bool
    proposal_title: str | None
    body: str
    has_form_attachment: bool
    unit: str | None
    signed_on: date | None
    copied_to: list[str]
    signer: str | None
    contact_name: str | None
    contact_phone: str | None
    is_co_handling: bool
    disclosure: str | None
    form: ParsedForm | None
    warnings: list[str] = field(default_factory=list)


class NotALetter(ValueError):
    """The text is not a reply letter (e.g. a news article); str() says why."""


# ------------------------------------------------------------------------ text preparation

# Full-width digits and letters (２０２５, Ａ１) and the ideographic space become ASCII through
# NFKC. Punctuation stays as printed: the body keeps the letter's own ，。：.
_TO_ASCII = {
    code: unicodedata.normalize("NFKC", chr(code))
    for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B), 0x3000]
}
FRONT_MATTER = re.compile(r"\A\s*---\n.*?\n---\n", re.S)
HTML_BLOCK = re.compile(r"</?(?:p|div|br|h\d|li|tr)\b[^>]*>", re.I)
HTML_TAG = re.compile(r"<[^>]+>")
MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
MARKDOWN_BOLD = re.compile(r"\*\*|__")
# Page marks the scans leave between pages: “— 2 —”, “- 2 -”, “·2·”, “第 2 页 共 5 页”, “2/5”, “2”.
PAGE_MARK = re.compile(
    r"^(?:[-—–－一·•]{1,2}\s*\d{1,3}\s*[-—–－一·•]{1,2}"
    r"|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?"
    r"|\d{1,3}(?:\s*/\s*\d{1,3})?)$"
)
# Spaces a scan puts between a number and the Chinese around it: “27 家”, “第010 号”.
DIGIT_SPACE = re.compile(r"(?<=\d)[ \t]+(?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])[ \t]+(?=\d)")
# Any whitespace, except a single space between two Latin words (“Jingdezhen China”).
SCAN_SPACE = re.compile(r"\s+(?![A-Za-z])|(?<![A-Za-z])\s+")


@dataclass
class Line:
    """One non-blank line: `text` cleaned of Markdown, `raw` as extracted (tables keep
    their tabs and HTML)."""

    text: str
    raw: str
    heading: bool = False


def _prepare(text: str) -> str:
    text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    return FRONT_MATTER.sub("", text, count=1).translate(_TO_ASCII)


def _is_table_row(raw: str) -> bool:
    text = raw.strip()
    return "\t" in text or (text.startswith("|") and text.endswith("|"))


def _html_blocks(raw: str) -> list[str]:
    # A table row keeps its HTML: its cells hold the form's checkboxes and comments.
    if _is_table_row(raw) or not HTML_BLOCK.search(raw):
        return [raw]
    return [html.unescape(HTML_TAG.sub("", part)) for part in HTML_BLOCK.split(raw)]


def _clean_line(raw: str) -> Line | None:
    text = raw.strip()
    heading = bool(MARKDOWN_HEADING.match(text))
    text = MARKDOWN_BOLD.sub("", MARKDOWN_HEADING.sub("", text)).strip()
    if not text or PAGE_MARK.match(text):
        return None
    return Line(text=text, raw=raw, heading=heading)


def _lines(text: str) -> list[Line]:
    """The non-blank lines, page marks dropped: blank lines say nothing in these scans."""
    lines = []
    for raw in text.split("\n"):
        for part in _html_blocks(raw):
            if line := _clean_line(part):
                lines.append(line)
    return lines


def squeeze(text: str) -> str:
    """Remove the spaces and line breaks a scan puts inside titles, names and numbers."""
    return SCAN_SPACE.sub("", text).strip()


def _width(text: str) -> int:
    """Display width: a Chinese character (or full-width punctuation) counts two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WFA" else 1 for ch in text)


# --------------------------------------------------------------------------- small values

NUMERAL = r"[\d〇零○一二三四五六七八九十百]+"
DATE = re.compile(
    r"(?P<year>\d(?: ?\d){3}|[〇零○Oo0一二三四五六七八九]{4})\s*年\s*"
    r"(?P<month>\d(?: ?\d)?|[一二三四五六七八九十]{1,3})\s*月\s*"
    r"(?P<day>\d(?: ?\d)?|[一二三四五六七八九十]{1,3})\s*日"
)
BLANK_DATE = re.compile(r"年\s*月\s*日")  # the form's placeholder, left empty
# An undated letter's closing prints the placeholder where the date goes (empty groups, so
# that it reads as a date that is None).
BLANK_CLOSING_DATE = re.compile(r"(?P<year>)年\s*(?P<month>)月\s*(?P<day>)日")
PHONE = re.compile(r"(?<!\d)(?:[(（]?0\d{2,3}[)）]?[-－—]?\d{7,8}|1[3-9]\d{9})(?!\d)")
PROPOSAL_NUMBER = re.compile(r"第?(?P<number>[A-Za-z]{0,4}\d+(?:[A-Za-z]{1,4}\d+)?)号")
CLASS_CODE = r"(?P<code>[A-Za-z]\d?|[甲乙丙丁])"


def _to_int(text: str | None) -> int | None:
    """14 from “14” or “十四”; 2025 from “二〇二五” or the OCR's “二0二五” (cn2an reads the
    Chinese numerals)."""
    if not text:
        return None
    text = squeeze(text)
    if text.isascii() and text.isdigit():
        return int(text)
    text = text.translate(str.maketrans("Oo○0", "〇〇〇〇"))
    try:
        return int(cn2an.cn2an(text, "smart"))
    except (ValueError, KeyError, IndexError, TypeError):  # cn2an's ways of saying “no”
        return None


def _date(match: re.Match | None) -> date | None:
    if not match:
        return None
    try:
        return date(*(_to_int(match[part]) for part in ("year", "month", "day")))
    except (TypeError, ValueError):  # a part unreadable, or 2 月 30 日
        return None


def _take_date(text: str) -> tuple[str, date | None]:
    """Cut a date (or the blank “年 月 日”) out of `text`: (what is left, the date)."""
    if match := DATE.search(text):
        return text[: match.start()] + text[match.end() :], _date(match)
    if match := BLANK_DATE.search(text):
        return text[: match.start()] + text[match.end() :], None
    return text, None


def _phone(text: str) -> str | None:
    """The first phone number; spaces a scan put inside it are dropped only when needed (a
    squeezed “1697号 0798-…” would glue the house number to the phone)."""
    match = PHONE.search(text) or PHONE.search(squeeze(text))
    return match[0] if match else None


def _proposal_number(text: str, *, before_proposal: bool = False) -> str | None:
    """'010' from “第010 号提案”; with before_proposal, only a number followed by 提案 counts
    (the body also cites “1号文件”)."""
    for match in PROPOSAL_NUMBER.finditer(squeeze(text)):
        if not before_proposal or match.string.startswith("提案", match.end()):
            return match["number"].upper()
    return None


# -------------------------------------------------------------------------------- header

HEAD_LIMIT = 15  # the title and the addressee stand within a letter's first lines
TITLE_ENDING = (
    r"(?P<ending>答复(?:意见)?的?函|答复意见|答复|复函|回复函|回复"
    r"|会办意见(?:的函)?|协办意见(?:的函)?)"
)
TITLE = re.compile(rf"(?=.*提案)[^。；;]{{4,120}}?{TITLE_ENDING}[。.]?")
TITLE_START = re.compile(r"^(?:关于|对)")
# Words before the committee's name that the session search takes in: 关于市政协…,
# 景德镇市教育局关于市政协…, 您在市政协…
LEAD_IN = re.compile(r"^.*?(?:关于对|关于|对|您们在|您在|你在|在)")
CO_HANDLING = re.compile(r"(?:会办|协办)意见(?:的函)?$")
SESSION_FORMAL = re.compile(  # 政协景德镇市第十四届委员会第五次会议
    rf"(?:中国人民政治协商会议|政协)(?P<place>[\u4e00-\u9fff]{{0,12}}?)第?(?P<term>{NUMERAL})届"
    rf"(?P<national>全国)?委员会第?(?P<meeting>{NUMERAL})次(?:全体)?会议"
)
SESSION_SHORT = re.compile(  # 市政协十四届五次会议, or just 十四届五次会议
    rf"(?P<committee>[\u4e00-\u9fff]{{0,12}}?政协)?第?(?P<term>{NUMERAL})届"
    rf"第?(?P<meeting>{NUMERAL})次(?:全体)?会议"
)
CLASS_LABELLED = re.compile(  # 分类：A1, 类 别:B, 分类标识【D】 (searched with spaces squeezed)
    rf"(?:(?:办理结果)?(?:分类(?:标识|标志|号)?|类别)|办理结果(?=[:：]))[:：]?[【\[（(〔]?{CLASS_CODE}[】\]）)〕]?"
    r"类?(?![A-Za-z0-9])"
)
CLASS_AFTER_DOC = re.compile(  # 景国试管办案字〔2018〕27号C类, …27号 (B类)
    rf"\d\s*号\s*[【\[（(〔]?\s*{CLASS_CODE}\s*类?\s*[】\]）)〕]?\s*类?(?=\s|$)"
)
# A line of its own: “A类”, “A1”, “【B】”.
CLASS_ALONE = re.compile(rf"^[【\[（(〔]?{CLASS_CODE}类?[】\]）)〕]?$")
SIGNER = re.compile(
    r"签\s*发\s*人\s*(?:[:：]|\s)\s*(?P<name>[\u4e00-\u9fff·]{2,8}?)(?=[\s,，;；]|$)"
)
DISCLOSURE = re.compile(r"主动公开|依申请公开|不予公开|免予公开|不公开")
HEADER_LABEL = re.compile(
    r"^(?:分\s*类|类\s*别|签\s*发\s*人|公开(?:属性|方式|类型)|主动公开|依申请公开|不予公开"
    r"|免予公开|不公开|密\s*级|紧急程度|特急|加急|急件|平件)"
)


def _is_header_label(text: str) -> bool:
    return bool(HEADER_LABEL.match(text) or CLASS_ALONE.match(squeeze(text)))


def _title_like(line: Line) -> bool:
    text = line.text
    return not (
        _is_table_row(line.raw)
        or _is_header_label(text)
        or split_doc_number(text)
        or "。" in text.rstrip("。.")  # a title may end with a full stop, no more
        or text.endswith((":", "："))
        or len(text) > 80
    )


def _find_title(lines: list[Line]) -> tuple[int, int] | None:
    """[start, end) of the title: up to three lines (the scans break long titles) that end
    with 答复/复函/会办意见… and name a 提案. Titles opening with 关于/对 are preferred, so a
    letterhead just above the title is not taken into it."""
    for needs_start in (True, False):
        for start in range(min(len(lines), HEAD_LIMIT)):
            if needs_start and not TITLE_START.match(lines[start].text):
                continue
            for end in range(start + 1, min(start + 4, len(lines) + 1)):
                if not _title_like(lines[end - 1]):
                    break
                if TITLE.fullmatch(_title_text(lines[start:end])):
                    return start, end
    return None


def _title_text(lines: list[Line]) -> str:
    return squeeze("".join(line.text for line in lines)).rstrip("。.")


def _find_doc(lines: list[Line], before: int) -> int | None:
    for index, line in enumerate(lines[:before]):
        if split_doc_number(line.text):
            return index
    return None


def _session(text: str) -> tuple[str | None, int | None, int | None]:
    """(committee, term, meeting) from a title or sentence naming the session."""
    text = squeeze(text)
    if match := SESSION_FORMAL.search(text):
        committee = ("全国" if match["national"] else match["place"]) + "政协"
    elif match := SESSION_SHORT.search(text):
        committee = LEAD_IN.sub("", match["committee"] or "") or None
    else:
        return None, None, None
    return committee, _to_int(match["term"]), _to_int(match["meeting"])


def _committee_level(committee: str | None) -> str | None:
    if not committee:
        return None
    if committee.startswith("全国"):
        return "全国"
    place = committee.removesuffix("政协")
    if place.endswith("自治区"):  # 广西壮族自治区政协 is a provincial committee
        return "省"
    return next((level for level in "省市区县州旗盟" if place.endswith(level)), None)


def _outcome_class(header: list[Line], doc_line: Line | None) -> str | None:
    """The class as labelled (分类：A1), else right after the number (…27号C类), else a line
    of its own (A类)."""
    for line in header:
        if match := CLASS_LABELLED.search(squeeze(line.text)):
            return match["code"].upper()
    if doc_line and (match := CLASS_AFTER_DOC.search(doc_line.text)):
        return match["code"].upper()
    for line in header:
        if match := CLASS_ALONE.match(squeeze(line.text)):
            return match["code"].upper()
    return None


def _signer(lines: list[Line]) -> str | None:
    return next((m["name"] for line in lines if (m := SIGNER.search(line.text))), None)


def _disclosure(lines: list[Line]) -> str | None:
    for line in lines:
        if len(line.text) <= 40 and (match := DISCLOSURE.search(line.text)):
            return {"不公开": "不予公开", "免予公开": "不予公开"}.get(match[0], match[0])
    return None


# ----------------------------------------------------------------------------- addressee

ADDRESSEE = re.compile(
    r"^(?:主\s*送\s*[:：]\s*)?(?P<name>[^：:，,。；;！!？?《》“”]{2,40}?)\s*[:：]\s*(?P<rest>.*)$"
)
# “主送：民革市委会” names the addressee after its label, without a colon of its own.
MAIN_RECIPIENT = re.compile(
    r"^主\s*送\s*[:：]\s*(?P<name>[^：:，,。；;！!？?《》“”]{2,40}?)\s*[。.:：]?\s*(?P<rest>)$"
)
NOT_ADDRESSEES = ("附件", "抄送", "抄报", "联系人", "联系电话", "电话", "地址", "签发人")
PERSON = re.compile(r"^(?P<name>.+?)等?(?:委员|代表|先生|女士|同志)$")
POLITE = re.compile(r"^(?:尊敬的|敬爱的|亲爱的)")
# In a co-handling opinion the addressee is the lead unit; the proposer is named in the text.
CO_PROPOSER = re.compile(
    r"(?:^|[，,、。；：\s（(])(?P<name>[\u4e00-\u9fff]{2,4})委员等?(?:提出|所提|领衔)"
)


def _addressee_match(text: str) -> re.Match | None:
    match = MAIN_RECIPIENT.match(text) or ADDRESSEE.match(text)
    if not match or squeeze(match["name"]).startswith(NOT_ADDRESSEES):
        return None
    return match


def _find_addressee(lines: list[Line], start: int) -> int | None:
    """The addressee comes right after the title: “尊敬的李辉松委员：” or “民革市委会：”."""
    for index in range(start, min(start + 5, len(lines))):
        text = lines[index].text
        if _is_header_label(text) or split_doc_number(text):
            continue  # 分类：A1 or 签发人 printed under the title
        if _addressee_match(text):
            return index
        if "。" in text:  # the body has begun
            return None
    return None


def _proposer(addressee: str) -> tuple[str, bool]:
    """(name, is a member): 尊敬的李辉松委员 → (李辉松, True); 民革市委会 → (民革市委会, False)."""
    name = POLITE.sub("", addressee)
    if match := PERSON.match(name):
        return match["name"], True
    return name, False


# ------------------------------------------------------------------------------- closing

ATTACHMENT = re.compile(r"^附\s*件?\s*\d*\s*(?:[:：]|$)")
ATTACHED_FORM = re.compile(r"^附\s*件\s*\d*\s+(?=.*意见表)")  # a scan lost the colon
COPIES = re.compile(r"^抄\s*[送报]\s*[:：\s]\s*(?P<names>.*)$")
# 联系人, 经办人 or 联系电话, maybe in the parentheses of a 附注: （联系人：…，电话：…）
CONTACT_LABEL = r"[（(]?(?:(?:联\s*系|经\s*办|承\s*办)\s*人|联\s*系\s*电\s*话)"
CONTACT = re.compile(CONTACT_LABEL)
# The lines that end the body. Labels need their colon (a wrapped body line may begin
# with 联系 or 主动公开); a disclosure mark must fill its line.
CLOSING_LABEL = re.compile(
    rf"^(?:(?:附\s*件?\s*\d*|{CONTACT_LABEL}[^:：]{{0,8}}|签\s*发\s*人"
    r"|公开(?:属性|方式|类型))\s*(?:[:：]|$)|抄\s*[送报]\s*[:：\s]|附\s*件\s*\d*\s+(?=.*意见表)"
    r"|[（(]?(?:此件)?(?:主动公开|依申请公开|不予公开|免予公开|不公开)[)）]?$)"
)
CONTACT_NAME = re.compile(
    r"(?:联系|经办|承办)人(?:及(?:联系)?电话)?[:：]?(?P<name>[\u4e00-\u9fff·]{2,8}?)"
    r"(?=[,，;；:：(（)）、]|联系|(?:办公|固定|座机)?电话|手机|\d|$)"
)
LOCAL_PHONE = re.compile(r"(?<![\d-])\d{7,8}(?!\d)")  # 8888888, in a contact line only
# Copied-to names are separated by punctuation, or by a wide gap (two spaces or more).
LIST_SEPARATORS = re.compile(r"[,，、;；]|\s{2,}")
SEAL = re.compile(r"[（(](?:盖章|印章|章)[)）]")
FORM_TITLE = "征询意见表"


def _closing_date(text: str) -> re.Match | None:
    """A date ending its line (a full stop aside), with at most a short unit name before it:
    the signing date, not a date cited in the body."""
    match = DATE.search(text) or BLANK_CLOSING_DATE.search(text)
    if not match or text[match.end() :].strip(" \t。."):
        return None
    before = text[: match.start()]
    if len(before) > 40 or re.search(r"[。，,；;：:]", before):
        return None
    return match


def _find_form_start(lines: list[Line], start: int) -> int:
    """Where the filled-in form begins: its title (…征询意见表) with form rows under it, or
    else its first table row; len(lines) when the letter carries no form."""
    for index in range(start, len(lines)):
        if _is_form_row(lines[index], plain=False):
            return index
        under = _until_signing_date(lines[index + 1 : index + 6])
        if _is_form_title(lines[index]) and any(_is_form_row(row, plain=True) for row in under):
            # A heading “附件 5” just above the form's title belongs to the form.
            if index > start and re.fullmatch(r"附\s*件\s*\d*", lines[index - 1].text):
                return index - 1
            return index
    return len(lines)


def _until_signing_date(lines: list[Line]) -> list[Line]:
    """The lines before a signing date: under the letter's own “附件 …意见表” come the
    unit and date, not the form's rows (and the letter's 联系电话 is no form row)."""
    dated = next((i for i, line in enumerate(lines) if _closing_date(line.text)), len(lines))
    return lines[:dated]


def _is_form_title(line: Line) -> bool:
    text = line.text
    return (
        FORM_TITLE in text
        and len(text) <= 40
        and not re.search(r"[。，,]", text)
        # Not the letter's own “附件：…征询意见表” line, nor an item of its attachment list.
        and (line.heading or not ATTACHMENT.match(text))
        and not NUMBERED.match(text)
    )


def _is_form_row(line: Line, *, plain: bool) -> bool:
    """A row with a form label; `plain` also takes “提案者：…” lines, which only under the
    form's title are sure to be the form's (the letter has its own 联系电话：…)."""
    if not (plain or _is_table_row(line.raw)):
        return False
    return any(_form_key(cell) in FORM_LABELS for cell in _cells(line))


def _find_date(lines: list[Line], start: int, end: int) -> int | None:
    return next((i for i in range(start, end) if _closing_date(lines[i].text)), None)


def _unit_like(text: str) -> bool:
    return len(text) <= 40 and not re.search(r"[。，,；;：:！？]", text)


def _find_unit(lines: list[Line], date_index: int, start: int) -> tuple[int | None, str | None]:
    """The signing unit: before the date on its line, or the line just above it."""
    line = lines[date_index].text
    before = squeeze(SEAL.sub("", line[: _closing_date(line).start()]))
    if before:
        return date_index, before
    above = date_index - 1
    if above > start and SEAL.fullmatch(lines[above].text):  # “（盖章）” under the unit
        above -= 1
    if (
        above >= start
        and _unit_like(lines[above].text)
        and not CLOSING_LABEL.match(lines[above].text)
    ):
        return above, squeeze(SEAL.sub("", lines[above].text)) or None
    return None, None


def _copied_to(lines: list[Line]) -> list[str]:
    """抄送 / 抄报 lists, continued on the next line when a line ends with a separator."""
    names: list[str] = []
    for index, line in enumerate(lines):
        if not (match := COPIES.match(line.text)):
            continue
        text = CONTACT.split(match["names"])[0]  # “抄送：…。    联系人：…” on one line
        for following in lines[index + 1 :]:
            if not LIST_SEPARATORS.search(text[-1:]):
                break
            text += following.text
        names += [squeeze(n).strip("。.") for n in LIST_SEPARATORS.split(text)]
    return [name for name in names if name]


def _contact(lines: list[Line]) -> tuple[str | None, str | None]:
    """(name, phone) from “联系人及联系电话:洪迈 15107989915”, “联系人：… 联系电话：…” or
    “（联系人：…，电话：…）”, wherever on its line the label stands."""
    found = [(line.text, CONTACT.search(line.text)) for line in lines]
    text = squeeze(" ".join(line[match.start() :] for line, match in found if match))
    if not text:
        return None, None
    match = CONTACT_NAME.search(text)
    local = LOCAL_PHONE.search(text)
    return (match["name"] if match else None), _phone(text) or (local[0] if local else None)


def _has_form_attachment(lines: list[Line]) -> bool:
    for index, line in enumerate(lines):
        if ATTACHMENT.match(line.text) or ATTACHED_FORM.match(line.text):
            following = lines[index + 1].text if index + 1 < len(lines) else ""
            if "意见表" in line.text or "意见表" in following:
                return True
    return False


# ---------------------------------------------------------------------------------- body

SENTENCE_END = re.compile(r"[。！？!?…][”’」』）)】]*$")
CLAUSE_END = re.compile(r"[：；:;][”’」』）)】]*$")
NUMBERED = re.compile(  # 一、 一是 （一） 1. 1、 ① 第一，
    r"^(?:[一二三四五六七八九十]+[、是]|[（(][一二三四五六七八九十\d]{1,3}[)）]"
    r"|\d{1,2}[.、．](?!\d)|[①-⑳]|第[一二三四五六七八九十]+[，、,是])"
)
WRAP_MAX = 100  # display columns: a scanned page line holds at most ~45 Chinese characters
SHORT_LINE = 0.8  # of the wrap width: a line this short ends its paragraph


def _wrap_width(lines: list[Line]) -> int | None:
    """The width the scan broke lines at, or None when each line is a whole paragraph.
    Most lines of a hard-wrapped text have about the same width; paragraphs do not."""
    widths = sorted(_width(line.text) for line in lines if not line.heading)
    if len(widths) < 4:
        return None
    typical = widths[len(widths) * 4 // 5]
    near = sum(1 for width in widths if abs(width - typical) <= 0.15 * typical)
    if typical > WRAP_MAX or near * 2 < len(widths):
        return None
    return typical


def _starts_paragraph(previous: Line, line: Line, wrap: int | None) -> bool:
    if previous.heading or line.heading or SENTENCE_END.search(previous.text):
        return True
    if previous.text.endswith(("：", ":")):  # 现答复如下：
        return True
    clause_end = bool(CLAUSE_END.search(previous.text))
    numbered = bool(NUMBERED.match(line.text))
    if wrap is None:
        # One line per paragraph: a line without closing punctuation was cut by a page
        # break, unless it is a short numbered heading such as “一、总体情况”.
        short_heading = (
            bool(NUMBERED.match(previous.text))
            and len(previous.text) <= 30
            and not re.search(r"[。；;，,]", previous.text)
        )
        return clause_end or numbered or short_heading
    # Hard-wrapped: a full line ending in ；was most likely wrapped there by chance.
    return _width(previous.text) < SHORT_LINE * wrap or (numbered and clause_end)


def _is_latin_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _join(parts: list[str]) -> str:
    """A paragraph's lines as one: only a Latin word broken across lines (“China” / “Daily”)
    needs its space back."""
    text = parts[0]
    for part in parts[1:]:
        space = _is_latin_letter(text[-1:]) and _is_latin_letter(part[:1])
        text += (" " if space else "") + part
    return DIGIT_SPACE.sub("", text)


def _paragraphs(lines: list[Line]) -> list[str]:
    wrap = _wrap_width(lines)
    paragraphs: list[list[str]] = []
    for index, line in enumerate(lines):
        if index == 0 or _starts_paragraph(lines[index - 1], line, wrap):
            paragraphs.append([])
        paragraphs[-1].append(line.text)
    return [_join(parts) for parts in paragraphs]


def _proposal_title(lead: str) -> str | None:
    """The proposal's title in 《》 (or “关于…”) in the first sentence, its line breaks
    joined; a space printed inside the title is kept."""
    first_sentence = lead.split("。")[0]
    match = re.search(r"《(?P<title>[^《》]+)》", first_sentence) or re.search(
        r"“(?P<title>关于[^“”]+)”", first_sentence
    )
    if not match:
        return None
    joined = "".join(part.strip() for part in match["title"].split("\n"))
    return re.sub(r"\s+", " ", joined).strip() or None


# ---------------------------------------------------------------------------------- form

FORM_LABELS = {
    "提案者": "proposer",
    "提案人": "proposer",
    "通讯地址及联系电话": "address_phone",
    "通讯地址及电话": "address_phone",
    "通讯地址": "address",
    "联系地址": "address",
    "联系电话": "phone",
    "提案标题": "title",
    "提案题目": "title",
    "案由": "title",
    "提案编号": "number",
    "提案号": "number",
    "办理结果分类": "class",
    "分类": "class",
    "承办单位": "unit",
    "办理态度": "attitude",
    "办理结果": "result",
    "意见建议": "comments",
    "意见和建议": "comments",
    "提案者签名": "signature",
    "委员签名": "signature",
    "签名": "signature",
    "日期": "date",
}
RATING_WORDS = {"满意": Rating.SATISFIED, "基本满意": Rating.BASIC, "不满意": Rating.DISSATISFIED}
RATING_TOKEN = re.compile(
    r"(?P<label>基本满意|不满意|满意)"
    r"|(?P<on><input[^>]*\bchecked\b[^>]*>|[☑☒✓✔√■]|\[[xX]\])"
    r"|(?P<off><input[^>]*>|[□☐]|\[\s\])"
)
SIGNATURE_LABEL = re.compile(r"^(?:提案者|提案人|委员)?签\s*名\s*[:：]?")
COMMENTS_LABEL = re.compile(r"^(?:意见建议|意见和建议)\s*[:：]?")
TABLE_RULE = re.compile(r"^\|?[\s:|-]+\|?$")


def _form_key(cell: str) -> str:
    """A cell as a label: “通讯地址及 联系电话” → 通讯地址及联系电话, “办理结果分类 (A1…)” →
    办理结果分类."""
    key = squeeze(HTML_TAG.sub("", cell))
    return re.sub(r"[(（][^)）]*[)）]", "", key).rstrip(":：")


def _cells(line: Line) -> list[str]:
    raw = line.raw.strip()
    if "\t" in raw:
        return raw.split("\t")
    if raw.startswith("|"):
        return [] if TABLE_RULE.match(raw) else raw.strip("|").split("|")
    match = re.match(r"^([^:：]{2,12})[:：](.*)$", line.text)  # “提案者：民革市委会”
    return [match[1], match[2]] if match else [line.text]


def _segments(cells: list[str]) -> list[tuple[str, list[str]]]:
    """A row's cells grouped as (field, the non-empty cells after its label)."""
    segments: list[tuple[str, list[str]]] = []
    for cell in cells:
        if key := FORM_LABELS.get(_form_key(cell)):
            segments.append((key, []))
        elif segments and cell.strip():
            segments[-1][1].append(cell.strip())
    return segments


def _form_fields(lines: list[Line]) -> dict[str, str]:
    """Field → its value, across all the form's rows (the first one printed wins)."""
    fields: dict[str, str] = {}
    for line in lines:
        for key, values in _segments(_cells(line)):
            fields.setdefault(key, " ".join(values))
    return fields


def _rating(text: str) -> str | None:
    """The ticked option. Marks follow their option (满意 ☑) or precede it (☑满意): which,
    is told by whether the row opens with an option or a mark."""
    tokens = [(match.lastgroup, match[0]) for match in RATING_TOKEN.finditer(text)]
    options = [word for kind, word in tokens if kind == "label"]
    if not any(kind == "on" for kind, _ in tokens):
        # No checkboxes at all: a single word written in means that rating.
        return RATING_WORDS[options[0]] if len(options) == 1 and len(tokens) == 1 else None
    step = -1 if tokens[0][0] == "label" else 1
    for index, (kind, _) in enumerate(tokens):
        neighbour = index + step
        if kind == "on" and 0 <= neighbour < len(tokens) and tokens[neighbour][0] == "label":
            return RATING_WORDS[tokens[neighbour][1]]
    return None


def _form_comments(text: str) -> tuple[str, str, date | None]:
    """(comments, signature, date) from the member's cell: labels and the blank placeholders
    (意见建议:, 提案者签名:, 年 月 日) are not comments."""
    comments, signature, signed_on = [], "", None
    lines = html.unescape(HTML_TAG.sub("", HTML_BLOCK.sub("\n", text))).split("\n")
    for line in lines:
        line = line.strip()
        while match := COMMENTS_LABEL.match(line):
            line = line[match.end() :].strip()
        label = SIGNATURE_LABEL.match(line)
        rest, found = _take_date(line[label.end() :] if label else line)
        if label:  # “提案者签名：李辉松 2024年6月1日”
            signature, signed_on = signature or squeeze(rest), signed_on or found
        elif not rest.strip():  # a date (or the blank 年 月 日) on its own
            signed_on = signed_on or found
        else:  # a comment, kept whole even when it cites a date
            comments.append(line)
    return "\n".join(comments), signature, signed_on


FORM_CONTACT = re.compile(r"联系人[:：]")


def _form_value(fields: dict[str, str], key: str) -> str | None:
    return squeeze(HTML_TAG.sub("", fields.get(key, ""))) or None


def _address_and_phone(fields: dict[str, str]) -> tuple[str | None, str | None]:
    both = HTML_TAG.sub("", fields.get("address_phone", ""))
    phone = _phone(fields.get("phone", "")) or _phone(both)
    address = fields.get("address") or (PHONE.sub("", both) if phone else both)
    return squeeze(address or "") or None, phone


def _read_form(lines: list[Line]) -> ParsedForm | None:
    fields = _form_fields(lines)
    if not fields:
        return None
    comments, signature, signed_on = _form_comments(fields.get("comments", ""))
    address, phone = _address_and_phone(fields)
    number = fields.get("number", "")
    title = re.sub(r"\s+", " ", HTML_TAG.sub("", fields.get("title", ""))).strip("《》 ")
    # The class cell may also print the definition: “A3<br>已有规定”.
    code = re.match(rf"{CLASS_CODE}(?![A-Za-z0-9])", _form_value(fields, "class") or "")
    # A collective proposer's cell may name its contact: “民革市委会<br>联系人：张文”.
    proposer = FORM_CONTACT.split(_form_value(fields, "proposer") or "")[0] or None
    return ParsedForm(
        proposer=proposer,
        proposer_address=address,
        proposer_phone=phone,
        proposal_title=title or None,
        proposal_number=_proposal_number(number) or _form_value(fields, "number"),
        outcome_class=code["code"].upper() if code else _form_value(fields, "class"),
        unit=_form_value(fields, "unit"),
        attitude_rating=_rating(fields.get("attitude", "")),
        result_rating=_rating(fields.get("result", "")),
        comments=comments,
        signature_name=signature or (_form_value(fields, "signature") or ""),
        signed_on=signed_on or _date(DATE.search(fields.get("date", ""))),
    )


# ------------------------------------------------------------------------------- reading


@dataclass
class _Layout:
    """Where the letter's parts are, as indexes into its lines."""

    lines: list[Line]
    title: tuple[int, int] | None
    doc: int | None
    addressee: int | None
    body_start: int
    body_end: int
    date: int | None
    unit: int | None
    unit_name: str | None
    end: int  # the letter stops here; a form, if any, follows

    @property
    def doc_line(self) -> Line | None:
        return self.lines[self.doc] if self.doc is not None else None

    @property
    def header(self) -> list[Line]:
        title = range(*self.title) if self.title else range(0)
        limit = self.addressee if self.addressee is not None else self.body_start
        return [line for i, line in enumerate(self.lines[:limit]) if i not in title]

    @property
    def closing(self) -> list[Line]:
        return self.lines[self.body_end : self.end]


def _layout(lines: list[Line]) -> _Layout:
    title = _find_title(lines)
    doc = _find_doc(lines, title[0] if title else HEAD_LIMIT)
    after_head = title[1] if title else (doc + 1 if doc is not None else 0)
    addressee = _find_addressee(lines, after_head)
    body_start = addressee + 1 if addressee is not None else after_head
    end = _find_form_start(lines, body_start)
    date_index = _find_date(lines, body_start, end)
    unit, unit_name = (None, None)
    if date_index is not None:
        unit, unit_name = _find_unit(lines, date_index, body_start)
    stops = [i for i in range(body_start, end) if CLOSING_LABEL.match(lines[i].text)]
    stops += [i for i in (unit, date_index) if i is not None]
    return _Layout(
        lines=lines,
        title=title,
        doc=doc,
        addressee=addressee,
        body_start=body_start,
        body_end=min([*stops, end]),
        date=date_index,
        unit=unit,
        unit_name=unit_name,
        end=end,
    )


def _is_letter(layout: _Layout) -> bool:
    """A title with a document number, an addressee, or a session or proposal number in it
    (a news headline “市政协提案全部办理答复” has none), or else a number and an addressee."""
    if layout.title is None:
        return layout.doc is not None and layout.addressee is not None
    title = _title_text(layout.lines[slice(*layout.title)])
    return (
        layout.doc is not None
        or layout.addressee is not None
        or _session(title)[1] is not None
        or _proposal_number(title) is not None
    )


def _why_not_a_letter(text: str) -> str:
    """Why, in words for staff (the admin shows it)."""
    if not text.strip():
        return "文本为空"
    reason = "没有答复函标题（关于…提案…答复/复函/回复/会办意见），也没有“文号 + 称谓”的函头"
    if FRONT_MATTER.match(text) or re.search(r"<p[\s>]", text):
        reason += "；看起来是网页文章（含 YAML 头或 HTML 段落）"
    return reason


def read_letter(text: str) -> ParsedLetter:
    """Read one reply letter. Raise NotALetter when the text is not a reply letter."""
    layout = _layout(_lines(_prepare(text)))
    if not _is_letter(layout):
        raise NotALetter(_why_not_a_letter(text))
    body_lines = _body_lines(layout)
    lead = "\n".join(line.text for line in body_lines[:10])  # the opening sentence's lines
    form = _read_form(layout.lines[layout.end :])
    heading = _heading_fields(layout, lead)
    letter = ParsedLetter(
        **heading,
        **_addressee_fields(layout, lead, heading["is_co_handling"]),
        **_closing_fields(layout),
        outcome_class=_outcome_class(layout.header + layout.closing, layout.doc_line),
        body="\n\n".join(_paragraphs(body_lines)),
        has_form_attachment=_has_form_attachment(layout.closing) or form is not None,
        form=form,
    )
    letter.warnings += _missing(letter) + _form_mismatches(letter)
    return letter


def _body_lines(layout: _Layout) -> list[Line]:
    lines = layout.lines[layout.body_start : layout.body_end]
    if layout.addressee is not None:
        rest = _addressee_match(layout.lines[layout.addressee].text)["rest"].strip()
        if rest:  # “尊敬的李辉松委员：您提出的…” on one line
            lines = [Line(text=rest, raw=rest), *lines]
    return lines


def _heading_fields(layout: _Layout, lead: str) -> dict:
    """Document number, title, session and proposal number and title."""
    title = _title_text(layout.lines[slice(*layout.title)]) if layout.title else None
    doc = split_doc_number(layout.doc_line.text) if layout.doc_line else None
    opening = lead.split("。")[0]
    committee, term, meeting = _session(title or "")
    if term is None:  # “您在市政协十四届五次会议上提出的…”
        committee, term, meeting = _session(opening)
    return {
        "doc_number": doc.text if doc else None,
        "doc_prefix": (doc.prefix or None) if doc else None,
        "doc_year": doc.year if doc else None,
        "doc_sequence": doc.sequence if doc else None,
        "title": title,
        "committee": committee,
        "committee_level": _committee_level(committee),
        "term": term,
        "meeting": meeting,
        "proposal_number": _proposal_number(title or "")
        or _proposal_number(opening, before_proposal=True),
        "proposal_title": _proposal_title(lead) or _proposal_title(title or ""),
        "is_co_handling": bool(title and CO_HANDLING.search(title)),
    }


def _addressee_fields(layout: _Layout, lead: str, co_handling: bool) -> dict:
    """The addressee is the proposer, except in a co-handling opinion, which is addressed to
    the lead unit: there the proposer is a member named in the text (“李辉松委员提出的…”)."""
    addressee = None
    if layout.addressee is not None:
        addressee = squeeze(_addressee_match(layout.lines[layout.addressee].text)["name"])
    if co_handling:
        match = CO_PROPOSER.search(lead)
        name, is_member = (match["name"], True) if match else (None, False)
    else:
        name, is_member = _proposer(addressee) if addressee else (None, False)
    return {"addressee": addressee, "proposer_name": name, "proposer_is_member": is_member}


def _closing_fields(layout: _Layout) -> dict:
    """Signing unit and date, copies, contact; signer and disclosure may stand in the header."""
    lines, closing, header = layout.lines, layout.closing, layout.header
    contact_name, contact_phone = _contact(closing)
    date_line = lines[layout.date].text if layout.date is not None else ""
    return {
        "unit": layout.unit_name,
        "signed_on": _date(_closing_date(date_line)),
        "copied_to": _copied_to(closing),
        "signer": _signer(header + closing),
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "disclosure": _disclosure(header + closing),
    }


# ------------------------------------------------------------------------------ warnings

EXPECTED = [
    ("doc_number", "未找到文号"),
    ("outcome_class", "未找到办理结果分类"),
    ("title", "未找到函的标题"),
    ("term", "未找到会议届次（如“十四届五次会议”）"),
    ("proposal_number", "未找到提案编号"),
    ("addressee", "未找到称呼（主送）行"),
    ("proposer_name", "未找到提案者"),
    ("proposal_title", "未找到《》中的提案标题"),
    ("unit", "未找到落款单位"),
    ("signed_on", "未找到成文日期"),
]


def _missing(letter: ParsedLetter) -> list[str]:
    return [message for name, message in EXPECTED if getattr(letter, name) in (None, "")]


def _same(a: str | None, b: str | None) -> bool:
    """Equal once scan spaces, 《》 and leading zeros of numbers are set aside."""

    def plain(text: str) -> str:
        return re.sub(r"(?<![\dA-Za-z])0+(?=\d)", "", squeeze(text).strip("《》“”"))

    return a is None or b is None or plain(a) == plain(b)


def _form_mismatches(letter: ParsedLetter) -> list[str]:
    """Real data disagrees with itself: show where the form and the letter differ."""
    if letter.form is None:
        return []
    checks = [
        ("提案标题", letter.form.proposal_title, letter.proposal_title),
        ("提案编号", letter.form.proposal_number, letter.proposal_number),
        ("办理结果分类", letter.form.outcome_class, letter.outcome_class),
        ("承办单位", letter.form.unit, letter.unit),
        ("提案者", letter.form.proposer, letter.proposer_name),
    ]
    return [
        f"征询意见表上的{label}“{on_form}”与函中的“{in_letter}”不一致"
        for label, on_form, in_letter in checks
        if not _same(on_form, in_letter)
    ]
