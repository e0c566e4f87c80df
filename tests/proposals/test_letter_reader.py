"""The letter reader on the seed letters and on the variants other offices print.

Pure text in, dataclass out: no database, no Django settings.
"""

from datetime import date
from pathlib import Path

import pytest

from proposals.letters.reader import NotALetter, Rating, read_letter

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


# A letter as Jingdezhen prints it; each variant test changes one part.
STANDARD = {
    "letterhead": None,
    "doc": "景国试管办案字〔2025〕1号",
    "class": "分类：A3",
    "title": "关于市政协十四届五次会议第010号提案答复的函",
    "addressee": "尊敬的李辉松委员：",
    "opening": "您提出的《关于统筹发展景德镇日用陶瓷产业的建议》提案已收悉，现答复如下：",
    "body": "一是加强统筹。\n\n二是完善政策。",
    "attachment": "附件：政协提案办理情况征询意见表",
    "unit": "国家试验区管委会办公室",
    "signed": "2025 年 4月 29 日",
    "copies": "抄送：市政协提案委员会,市政府督查室。",
    "contact": "联系人及联系电话:洪迈 15107989915",
    "after": None,
}


def make_letter(**changes: str | None) -> str:
    """The standard letter with some parts replaced (None leaves a part out)."""
    parts = {**STANDARD, **changes}
    return "\n\n".join(part for part in parts.values() if part is not None)


# ----------------------------------------------------------------------------- the seeds


def test_seed_001_fields():
    letter = read_letter(seed("001"))
    assert letter.doc_number == "景国试管办案字〔2025〕1号"
    assert (letter.doc_prefix, letter.doc_year, letter.doc_sequence) == ("景国试管办案字", 2025, 1)
    assert letter.outcome_class == "A3"
    assert (letter.committee, letter.committee_level) == ("市政协", "市")
    assert (letter.term, letter.meeting) == (14, 5)
    assert letter.proposal_number == "010"
    assert letter.title == "关于市政协十四届五次会议第010号提案答复的函"
    assert letter.addressee == "尊敬的李辉松委员"
    assert (letter.proposer_name, letter.proposer_is_member) == ("李辉松", True)
    assert letter.proposal_title == "关于统筹发展景德镇日用陶瓷产业的建议"
    assert letter.unit == "国家试验区管委会办公室"
    assert letter.signed_on == date(2025, 4, 29)
    assert letter.copied_to == ["市政协提案委员会", "市政府督查室"]
    assert (letter.contact_name, letter.contact_phone) == ("洪迈", "15107989915")
    assert letter.has_form_attachment is True
    assert letter.form is None
    assert letter.is_co_handling is False
    assert letter.signer is None and letter.disclosure is None
    assert letter.warnings == []


def test_seed_001_body_is_cleaned_and_joined():
    body = read_letter(seed("001")).body
    assert "— 2 —" not in body and "—2—" not in body
    assert body.startswith("您提出的《关于统筹发展景德镇日用陶瓷产业的建议》提案已收悉。")
    # Joined across the page mark, and the scan's line breaks are gone inside a paragraph.
    assert "日用陶瓷生产实现恢复增长，传统陶瓷工业呈现出新的活力" in body
    assert "省级两化融合示范陶瓷企业27家。" in body  # the scan's “27 家”
    paragraphs = body.split("\n\n")
    assert paragraphs[2].startswith("一是集群发展上，构建特色优势。")
    assert paragraphs[-1].endswith("提供坚实的支撑。")
    for closing in ("附件", "国家试验区管委会办公室\n", "2025", "抄送", "洪迈"):
        assert closing not in paragraphs[-1]
    assert "附件" not in body


def test_seed_003_fields():
    letter = read_letter(seed("003"))
    assert letter.doc_number == "景国试管办案字〔2024〕3号"
    assert letter.outcome_class == "A1"
    assert (letter.term, letter.meeting) == (14, 4)
    assert letter.proposal_number == "165"
    assert letter.title == "关于市政协十四届四次会议第165号提案答复的函"
    # The letterhead above the document number is not the addressee.
    assert letter.addressee == "民革市委会"
    assert (letter.proposer_name, letter.proposer_is_member) == ("民革市委会", False)
    assert letter.proposal_title == "关于发挥陶瓷文化符号优势 推进陶瓷文化国际传播的建议"
    assert letter.unit == "国家试验区管委会办公室"
    assert letter.signed_on == date(2024, 5, 16)
    assert letter.copied_to == ["市政协提案委员会", "市政府督查室"]
    assert (letter.contact_name, letter.contact_phone) == ("李恒", "18079838926")
    assert letter.has_form_attachment is True


def test_seed_003_form():
    form = read_letter(seed("003")).form
    assert form is not None
    assert form.proposer == "民革市委会"
    assert form.proposer_address == "昌江区珠山大道1697号"
    assert form.proposer_phone == "0798-8226265"
    assert form.proposal_title == "关于发挥陶瓷文化资源优势 推进陶瓷文化国际化的建议"
    assert form.proposal_number == "165"
    assert form.outcome_class == "A1"
    assert form.unit == "国家试验区管委会办公室"
    assert form.attitude_rating == Rating.SATISFIED
    assert form.result_rating == Rating.SATISFIED
    assert form.comments == "谢谢"
    assert form.signature_name == ""
    assert form.signed_on is None


def test_seed_003_warns_that_the_form_title_differs():
    warnings = read_letter(seed("003")).warnings
    assert len(warnings) == 1
    assert "提案标题" in warnings[0]
    assert "资源优势" in warnings[0] and "符号优势" in warnings[0]


def test_seed_003_body():
    body = read_letter(seed("003")).body
    assert body.startswith("贵单位提出的《关于发挥陶瓷文化符号优势")
    assert "#" not in body and "**" not in body
    assert "\n\n一、向上对接实现突破性进展\n\n" in body  # a Markdown heading, its own paragraph
    assert "\n\n一是“部省联动”成效显著。2023年4月" in body  # bold run-in heading
    assert "获评国家级绿色工业园区" in body  # a paragraph the page break had cut
    assert "出口额超1亿美元。" in body
    assert body.endswith("奋力打造中华优秀传统文化景德镇样板。")
    for outside in ("管理委员会办公室\n", "附件", "征询意见表", "满意", "抄送"):
        assert outside not in body


def test_seed_004_fields():
    letter = read_letter(seed("004"))
    assert letter.doc_number == "景国试管办案字〔2025〕2号"
    assert letter.outcome_class == "A1"
    assert (letter.term, letter.meeting) == (14, 5)
    assert letter.proposal_number == "017"
    assert letter.addressee == "民盟市委会"
    assert (letter.proposer_name, letter.proposer_is_member) == ("民盟市委会", False)
    assert letter.proposal_title == (
        "关于加强景德镇陶瓷对外文化交流与贸易往来，助力我省深度融入共建“一带一路”的建议"
    )
    assert letter.signed_on == date(2025, 5, 29)
    assert (letter.contact_name, letter.contact_phone) == ("王凌莉", "13507985566")
    assert letter.form is None
    assert letter.warnings == []


def test_seed_004_body():
    body = read_letter(seed("004")).body
    assert "\n\n1.招大引强提升陶瓷创意发展。" in body  # full-width “１.” normalised
    # Lines that happen to end in ；inside one sentence stay one paragraph.
    assert "打造世界级旅游品牌；拓展入境游市场；增加入境游系列产品；" in body
    # A line ending in ” inside a sentence does not end the paragraph.
    assert "积极融入“感知中国”“今日中国”等展示平台" in body


@pytest.mark.parametrize("prefix", ["000", "002"])
def test_news_articles_are_not_letters(prefix):
    with pytest.raises(NotALetter) as raised:
        read_letter(seed(prefix))
    assert "答复函标题" in str(raised.value)


def test_the_web_article_is_named_as_such():
    with pytest.raises(NotALetter, match="网页文章"):
        read_letter(seed("000"))


# --------------------------------------------------------------------- not letters at all


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n",
        "景德镇陶瓷产业发展迅速。\n\n今年以来，全市陶瓷工业总产值持续增长。",
        "<p>从2020年起，景德镇市相继与平台开展合作；</p><p>今年2月获国务院批复。</p>",
        "关于陶瓷产业发展情况的报告\n\n各位委员：\n\n现将有关情况报告如下。",
    ],
)
def test_texts_that_are_not_letters(text):
    with pytest.raises(NotALetter):
        read_letter(text)


def test_a_document_number_and_addressee_make_a_letter_without_a_known_title():
    letter = read_letter(make_letter(title="关于陶瓷产业发展建议的函"))
    assert letter.doc_number == "景国试管办案字〔2025〕1号"
    assert letter.addressee == "尊敬的李辉松委员"
    assert letter.title is None
    assert "未找到函的标题" in letter.warnings


# ----------------------------------------------------------------------- document number


@pytest.mark.parametrize(
    ("printed", "number", "prefix", "year", "sequence"),
    [
        ("景国试管办案字〔2025〕1号", "景国试管办案字〔2025〕1号", "景国试管办案字", 2025, 1),
        ("赣发改办字【2024】12号", "赣发改办字【2024】12号", "赣发改办字", 2024, 12),
        ("景政协字[2023]5号", "景政协字[2023]5号", "景政协字", 2023, 5),
        ("浮府办字（2022）479号", "浮府办字（2022）479号", "浮府办字", 2022, 479),
        ("景国试管办案字 〔2025〕 1 号", "景国试管办案字〔2025〕1号", "景国试管办案字", 2025, 1),
        ("景国试管办案字〔２０２５〕１号", "景国试管办案字〔2025〕1号", "景国试管办案字", 2025, 1),
    ],
)
def test_document_numbers(printed, number, prefix, year, sequence):
    letter = read_letter(make_letter(doc=printed))
    assert letter.doc_number == number
    assert (letter.doc_prefix, letter.doc_year, letter.doc_sequence) == (prefix, year, sequence)


def test_no_document_number_is_a_warning_not_an_error():
    letter = read_letter(make_letter(doc=None))
    assert letter.doc_number is None and letter.doc_year is None
    assert letter.outcome_class == "A3"
    assert "未找到文号" in letter.warnings


# --------------------------------------------------------------------------------- class


@pytest.mark.parametrize(
    ("doc", "printed", "code"),
    [
        ("景国试管办案字〔2025〕1号", "分类：A1", "A1"),
        ("景国试管办案字〔2025〕1号", "类 别:B", "B"),
        ("景国试管办案字〔2025〕1号", "分类标识【D】", "D"),
        ("景国试管办案字〔2025〕1号", "分类：Ａ２", "A2"),
        ("景国试管办案字〔2025〕1号", "分类：甲", "甲"),
        ("景府办字〔2018〕27号C类", None, "C"),
        ("景府办字〔2018〕27号 B1", None, "B1"),
        ("景国试管办案字〔2025〕1号  分类：C2", None, "C2"),
        ("景国试管办案字〔2025〕1号", "（B类）", "B"),
    ],
)
def test_outcome_class(doc, printed, code):
    assert read_letter(make_letter(doc=doc, **{"class": printed})).outcome_class == code


def test_class_after_the_number_leaves_the_number_whole():
    letter = read_letter(make_letter(doc="景府办字〔2018〕27号C类", **{"class": None}))
    assert (letter.doc_number, letter.doc_sequence) == ("景府办字〔2018〕27号", 27)


def test_no_class_is_none_with_a_warning():
    letter = read_letter(make_letter(**{"class": None}))
    assert letter.outcome_class is None
    assert "未找到办理结果分类" in letter.warnings


# -------------------------------------------------------------------------- title, session


@pytest.mark.parametrize(
    ("title", "ending", "co_handling"),
    [
        ("关于市政协十四届五次会议第12号提案的答复", "答复", False),
        ("关于市政协十四届五次会议第12号提案答复的函", "答复的函", False),
        ("关于市政协十四届五次会议第12号提案的答复函", "答复函", False),
        ("关于对市政协十四届五次会议第12号提案的复函", "复函", False),
        ("关于市政协十四届五次会议第12号提案的回复", "回复", False),
        ("关于市政协十四届五次会议第12号提案的会办意见", "会办意见", True),
        ("关于市政协十四届五次会议第12号提案的协办意见的函", "协办意见的函", True),
    ],
)
def test_title_endings(title, ending, co_handling):
    letter = read_letter(make_letter(title=title))
    assert letter.title == title and letter.title.endswith(ending)
    assert letter.is_co_handling is co_handling
    assert (letter.committee, letter.term, letter.meeting) == ("市政协", 14, 5)
    assert letter.proposal_number == "12"


@pytest.mark.parametrize(
    ("printed", "number"),
    [
        ("第12号", "12"),
        ("第0479号", "0479"),
        ("第2024159号", "2024159"),
        ("第D022号", "D022"),
        ("第2025D048号", "2025D048"),
        ("第010 号", "010"),
        ("第 0 1 0 号", "010"),
    ],
)
def test_proposal_numbers(printed, number):
    title = f"关于市政协十四届五次会议{printed}提案答复的函"
    assert read_letter(make_letter(title=title)).proposal_number == number


@pytest.mark.parametrize(
    ("session", "committee", "level", "term", "meeting"),
    [
        ("市政协十四届五次会议", "市政协", "市", 14, 5),
        ("省政协十三届二次会议", "省政协", "省", 13, 2),
        ("全国政协十四届三次会议", "全国政协", "全国", 14, 3),
        ("区政协九届四次会议", "区政协", "区", 9, 4),
        ("浮梁县政协第十一届第三次会议", "浮梁县政协", "县", 11, 3),
        ("政协景德镇市第十四届委员会第五次会议", "景德镇市政协", "市", 14, 5),
        ("政协第十四届全国委员会第二次会议", "全国政协", "全国", 14, 2),
        ("市政协14届5次会议", "市政协", "市", 14, 5),
    ],
)
def test_sessions(session, committee, level, term, meeting):
    letter = read_letter(make_letter(title=f"关于{session}第12号提案的答复"))
    assert (letter.committee, letter.committee_level) == (committee, level)
    assert (letter.term, letter.meeting) == (term, meeting)


def test_title_broken_across_lines_with_scan_spaces():
    letter = read_letter(make_letter(title="关于市政协十四届五次会议\n\n第010 号提案答复的函"))
    assert letter.title == "关于市政协十四届五次会议第010号提案答复的函"
    assert letter.proposal_number == "010"


def test_session_and_number_from_the_opening_when_the_title_lacks_them():
    letter = read_letter(
        make_letter(
            title="关于《关于统筹发展日用陶瓷产业的建议》提案的答复",
            opening="您在市政协十四届五次会议上提出的第0479号提案收悉。根据1号文件，现答复如下：",
        )
    )
    assert (letter.committee, letter.term, letter.meeting) == ("市政协", 14, 5)
    assert letter.proposal_number == "0479"
    assert letter.proposal_title == "关于统筹发展日用陶瓷产业的建议"


def test_unit_name_before_the_title():
    title = "景德镇市教育局关于市政协十四届五次会议第12号提案答复的函"
    letter = read_letter(make_letter(title=title))
    assert letter.title == title
    assert letter.committee == "市政协"


# ------------------------------------------------------------------- addressee, proposer


@pytest.mark.parametrize(
    ("line", "addressee", "name", "member"),
    [
        ("尊敬的李辉松委员：", "尊敬的李辉松委员", "李辉松", True),
        ("李辉松委员：", "李辉松委员", "李辉松", True),
        ("尊敬的李辉松等委员：", "尊敬的李辉松等委员", "李辉松", True),
        ("尊敬的 李辉松 委员:", "尊敬的李辉松委员", "李辉松", True),
        ("民革市委会：", "民革市委会", "民革市委会", False),
        ("市政协经济界别：", "市政协经济界别", "市政协经济界别", False),
    ],
)
def test_addressees(line, addressee, name, member):
    letter = read_letter(make_letter(addressee=line))
    assert letter.addressee == addressee
    assert (letter.proposer_name, letter.proposer_is_member) == (name, member)


def test_addressee_and_opening_on_one_line():
    letter = read_letter(
        make_letter(addressee="尊敬的李辉松委员：您提出的《关于加强陶瓷人才培养的建议》收悉。")
    )
    assert letter.addressee == "尊敬的李辉松委员"
    assert letter.proposal_title == "关于加强陶瓷人才培养的建议"
    assert letter.body.startswith("您提出的《关于加强陶瓷人才培养的建议》收悉。")


def test_letterhead_and_class_under_the_title_are_not_the_addressee():
    letter = read_letter(
        make_letter(
            letterhead="# 景德镇国家陶瓷文化传承创新试验区管理委员会办公室",
            title="## 关于市政协十四届五次会议第12号提案答复的函",
            **{"class": None},
            addressee="分类：B2\n\n民革市委会：",
        )
    )
    assert letter.addressee == "民革市委会"
    assert letter.outcome_class == "B2"
    assert letter.title == "关于市政协十四届五次会议第12号提案答复的函"


def test_co_handling_opinion_is_addressed_to_the_lead_unit():
    letter = read_letter(
        make_letter(
            title="关于市政协十四届五次会议第12号提案的会办意见",
            addressee="市发展改革委：",
            opening="李辉松委员提出的《关于加强陶瓷人才培养的建议》收悉，我局会办意见如下：",
        )
    )
    assert letter.is_co_handling is True
    assert letter.addressee == "市发展改革委"
    assert (letter.proposer_name, letter.proposer_is_member) == ("李辉松", True)
    assert letter.proposal_title == "关于加强陶瓷人才培养的建议"


def test_proposal_title_joined_across_line_breaks_and_kept_with_its_space():
    opening = "您提出的《关于发挥陶瓷文化符号优势 推进陶瓷文化\n\n国际传播的建议》已收悉。"
    letter = read_letter(make_letter(opening=opening))
    assert letter.proposal_title == "关于发挥陶瓷文化符号优势 推进陶瓷文化国际传播的建议"


def test_only_the_opening_sentence_gives_the_proposal_title():
    opening = "您的提案已收悉。根据《景德镇市陶瓷保护条例》，现答复如下："
    letter = read_letter(make_letter(opening=opening))
    assert letter.proposal_title is None
    assert "未找到《》中的提案标题" in letter.warnings


# --------------------------------------------------------------------------------- closing


@pytest.mark.parametrize(
    ("printed", "signed_on"),
    [
        ("2025 年 4月 29 日", date(2025, 4, 29)),
        ("2025年4月29日", date(2025, 4, 29)),
        ("２０２５年４月２９日", date(2025, 4, 29)),
        ("二〇二五年四月二十九日", date(2025, 4, 29)),
        ("二O二四年十二月一日", date(2024, 12, 1)),
    ],
)
def test_signing_dates(printed, signed_on):
    assert read_letter(make_letter(signed=printed)).signed_on == signed_on


def test_an_impossible_date_is_none_with_a_warning():
    letter = read_letter(make_letter(signed="2025年2月30日"))
    assert letter.signed_on is None
    assert "未找到成文日期" in letter.warnings


def test_unit_and_date_on_one_line():
    letter = read_letter(make_letter(unit=None, signed="国家试验区管委会办公室 2025年4月29日"))
    assert letter.unit == "国家试验区管委会办公室"
    assert letter.signed_on == date(2025, 4, 29)


def test_unit_with_seal_mark_and_no_attachment():
    letter = read_letter(make_letter(attachment=None, unit="景德镇市教育局（盖章）"))
    assert letter.unit == "景德镇市教育局"
    assert letter.has_form_attachment is False
    assert letter.body.endswith("二是完善政策。")


def test_copies_reported_up_instead_of_sent():
    letter = read_letter(make_letter(copies="抄报：市政协办公室、市政府督查室"))
    assert letter.copied_to == ["市政协办公室", "市政府督查室"]


def test_copies_continued_on_the_next_line():
    letter = read_letter(make_letter(copies="抄送：市政协提案委员会，\n\n市政府督查室。"))
    assert letter.copied_to == ["市政协提案委员会", "市政府督查室"]


@pytest.mark.parametrize(
    ("printed", "name", "phone"),
    [
        ("联系人及联系电话:洪迈 15107989915", "洪迈", "15107989915"),
        ("联系人：洪迈    联系电话：0798-8226265", "洪迈", "0798-8226265"),
        ("联系人：洪迈，电话：15107989915", "洪迈", "15107989915"),
        ("联系人：洪迈\n\n联系电话：151 0798 9915", "洪迈", "15107989915"),
        ("联系人及联系电话：洪迈１５１０７９８９９１５", "洪迈", "15107989915"),
    ],
)
def test_contacts(printed, name, phone):
    letter = read_letter(make_letter(contact=printed))
    assert (letter.contact_name, letter.contact_phone) == (name, phone)


def test_contact_printed_before_the_signature_stays_out_of_the_body():
    letter = read_letter(make_letter(attachment="联系人：洪迈 15107989915", contact=None))
    assert letter.contact_name == "洪迈"
    assert "洪迈" not in letter.body


@pytest.mark.parametrize(
    "changes",
    [
        {"class": "签发人：张三"},
        {"doc": "景国试管办案字〔2025〕1号　　签发人：张三"},
        {"contact": "签发人：张三\n\n联系人：洪迈 15107989915"},
    ],
)
def test_signer(changes):
    letter = read_letter(make_letter(**changes))
    assert letter.signer == "张三"
    assert letter.doc_number == "景国试管办案字〔2025〕1号"
    assert "张三" not in letter.body


@pytest.mark.parametrize(
    ("changes", "disclosure"),
    [
        ({"letterhead": "主动公开"}, "主动公开"),
        ({"class": "分类：A3\n\n公开属性：依申请公开"}, "依申请公开"),
        ({"after": "（此件主动公开）"}, "主动公开"),
        ({"contact": "（此件不予公开）\n\n联系人：洪迈 15107989915"}, "不予公开"),
        ({}, None),
    ],
)
def test_disclosure(changes, disclosure):
    letter = read_letter(make_letter(**changes))
    assert letter.disclosure == disclosure
    assert "公开" not in letter.body


def test_a_letter_without_its_closing_reads_with_warnings():
    letter = read_letter(
        make_letter(attachment=None, unit=None, signed=None, copies=None, contact=None)
    )
    assert letter.unit is None and letter.signed_on is None
    assert letter.copied_to == [] and letter.contact_name is None
    assert "未找到落款单位" in letter.warnings and "未找到成文日期" in letter.warnings
    assert letter.body.endswith("二是完善政策。")


# ------------------------------------------------------------------------------------ body


def test_page_marks_are_removed():
    pages = ["一是加强统筹，推动", "— 2 —", "产业升级。", "- 3 -", "二是完善政策。"]
    body = "\n\n".join([*pages, "第 4 页 共 5 页", "三是做好服务。"])
    letter = read_letter(make_letter(body=body))
    assert letter.body.split("\n\n")[1:] == [
        "一是加强统筹，推动产业升级。",
        "二是完善政策。",
        "三是做好服务。",
    ]


def test_markdown_is_removed():
    body = "### 一、总体情况\n\n**一是加强统筹。**推动产业升级。\n\n## 二、下一步打算\n\n继续推进"
    letter = read_letter(make_letter(body=body))
    assert letter.body.split("\n\n")[1:] == [
        "一、总体情况",
        "一是加强统筹。推动产业升级。",
        "二、下一步打算",
        "继续推进",
    ]


def test_hard_wrapped_paragraphs_are_joined():
    # Lines broken at ~28 characters, the way the scans print them; a line that happens to
    # end in ；stays inside its paragraph, a short line ends one.
    wrapped = [
        "近年来，我市通过改革改制、科技创新、招商引资等一系",
        "列措施，推动日用陶瓷生产实现恢复增长，传统陶瓷工业",
        "呈现出新的活力；陶瓷工业总产值持续稳定增长，企业数",
        "量不断增加。",
        "一、总体情况",
        "一是集群发展上，构建特色优势。大力发展中高档日用瓷",
        "，支持生产工艺、技术、装备创新和产品艺术化发展。",
    ]
    letter = read_letter(make_letter(body="\n\n".join(wrapped)))
    assert letter.body.split("\n\n")[1:] == [
        "近年来，我市通过改革改制、科技创新、招商引资等一系列措施，推动日用陶瓷生产实现恢复"
        "增长，传统陶瓷工业呈现出新的活力；陶瓷工业总产值持续稳定增长，企业数量不断增加。",
        "一、总体情况",
        "一是集群发展上，构建特色优势。大力发展中高档日用瓷，支持生产工艺、技术、装备创新和"
        "产品艺术化发展。",
    ]


def test_one_paragraph_per_line_with_a_page_break_inside_one():
    body = (
        "一、总体情况\n\n"
        "我市高度重视陶瓷产业发展，市委、市政府主要领导多次对试验\n\n"
        "区建设工作调研部署，推动试验区建设再上新台阶。\n\n"
        "二是打造更强能级产业平台。景德镇市高新区获评国家级绿\n\n"
        "色工业园区。"
    )
    letter = read_letter(make_letter(body=body))
    assert letter.body.split("\n\n")[1:] == [
        "一、总体情况",
        "我市高度重视陶瓷产业发展，市委、市政府主要领导多次对试验区建设工作调研部署，"
        "推动试验区建设再上新台阶。",
        "二是打造更强能级产业平台。景德镇市高新区获评国家级绿色工业园区。",
    ]


def test_numbered_paragraph_after_a_colon():
    body = "主要做法如下：\n\n１.加强统筹。\n\n２．完善政策。"
    letter = read_letter(make_letter(body=body))
    assert letter.body.split("\n\n")[1:] == ["主要做法如下：", "1.加强统筹。", "2．完善政策。"]


def test_body_keeps_attachment_and_closing_out():
    letter = read_letter(make_letter())
    assert letter.body == (
        "您提出的《关于统筹发展景德镇日用陶瓷产业的建议》提案已收悉，现答复如下："
        "\n\n一是加强统筹。\n\n二是完善政策。"
    )
    assert letter.has_form_attachment is True


def test_attachment_listed_on_the_next_line():
    letter = read_letter(make_letter(attachment="附件：\n\n1.政协提案办理情况征询意见表"))
    assert letter.has_form_attachment is True
    assert "征询意见表" not in letter.body


def test_a_body_sentence_mentioning_the_form_does_not_start_it():
    body = "随函附上征询意见表，请填写后寄回。\n\n二是完善政策。"
    letter = read_letter(make_letter(body=body))
    assert "随函附上征询意见表，请填写后寄回。" in letter.body
    assert letter.form is None


# ------------------------------------------------------------------------------------ form

FORM_HEAD = "## 附件\n\n## 政协提案办理情况征询意见表\n\n"


def tab_form(*rows: list[str]) -> str:
    return FORM_HEAD + "\n".join("\t".join(cells) for cells in rows)


FILLED_BY_UNIT = [
    [
        "承 办 单 位 填 写",
        "提案者",
        "李辉松",
        "通讯地址及 联系电话",
        "珠山区瓷都大道1号 13900000000",
    ],
    ["", "提案标题", "关于统筹发展景德镇日用陶瓷产业的建议"],
    ["", "提案编号", "第010号", "办理结果分类 (A1、A2、A3)", "A3"],
    ["", "承办单位", "国家试验区管委会办公室"],
]


def test_form_with_marks_before_the_options_and_a_signature():
    form_text = tab_form(
        *FILLED_BY_UNIT,
        ["委员 填 写", "办理态度", "☑满意 □基本满意 □不满意"],
        ["", "办理结果", "□满意 ☑基本满意 □不满意"],
        ["", "意见建议:", "<p>希望加快落实。</p><p>提案者签名：李辉松</p><p>2025年5月10日</p>"],
    )
    letter = read_letter(make_letter(after=form_text))
    form = letter.form
    assert (form.proposer, form.proposer_address, form.proposer_phone) == (
        "李辉松",
        "珠山区瓷都大道1号",
        "13900000000",
    )
    assert (form.proposal_number, form.outcome_class) == ("010", "A3")
    assert form.attitude_rating == Rating.SATISFIED
    assert form.result_rating == Rating.BASIC
    assert form.comments == "希望加快落实。"
    assert (form.signature_name, form.signed_on) == ("李辉松", date(2025, 5, 10))
    assert letter.warnings == []
    assert letter.contact_name == "洪迈"  # the letter's closing is read before the form


def test_form_with_html_checkbox_after_the_option():
    checked = '<input checked="" type="checkbox"/>'
    unchecked = '<input type="checkbox"/>'
    form_text = tab_form(
        *FILLED_BY_UNIT,
        ["委员填写", "办理态度", "满意", unchecked, "基本满意", unchecked, "不满意", checked],
        ["", "办理结果", "满意", "", "基本满意", checked, "不满意", ""],
    )
    form = read_letter(make_letter(after=form_text)).form
    assert form.attitude_rating == Rating.DISSATISFIED
    assert form.result_rating == Rating.BASIC


def test_form_not_ticked_has_no_ratings():
    form_text = tab_form(
        *FILLED_BY_UNIT,
        ["委员填写", "办理态度", "满意", "基本满意", "不满意"],
        ["", "办理结果", "满意", "基本满意", "不满意"],
        ["", "意见建议:", "<p>意见建议:</p><p>提案者签名:</p><p>年 月 日</p>"],
    )
    form = read_letter(make_letter(after=form_text)).form
    assert (form.attitude_rating, form.result_rating) == (None, None)
    assert (form.comments, form.signature_name, form.signed_on) == ("", "", None)


def test_form_as_a_markdown_table():
    form_text = FORM_HEAD + "\n".join(
        [
            "| 提案者 | 民革市委会 |",
            "|---|---|",
            "| 提案标题 | 关于统筹发展景德镇日用陶瓷产业的建议 |",
            "| 提案编号 | 第010号 |",
            "| 办理态度 | 满意 [x] 基本满意 [ ] 不满意 [ ] |",
            "| 办理结果 | 满意 [ ] 基本满意 [x] 不满意 [ ] |",
        ]
    )
    form = read_letter(make_letter(after=form_text)).form
    assert form.proposer == "民革市委会"
    assert form.proposal_number == "010"
    assert (form.attitude_rating, form.result_rating) == (Rating.SATISFIED, Rating.BASIC)


def test_form_disagreeing_with_the_letter_is_warned_about():
    rows = [list(row) for row in FILLED_BY_UNIT]
    rows[2] = ["", "提案编号", "第011号", "办理结果分类", "B1"]
    letter = read_letter(make_letter(after=tab_form(*rows)))
    assert any("提案编号" in warning and "011" in warning for warning in letter.warnings)
    assert any("办理结果分类" in warning and "B1" in warning for warning in letter.warnings)
    assert not any("提案标题" in warning for warning in letter.warnings)


def test_rating_values_are_the_models_values():
    assert (Rating.SATISFIED, Rating.BASIC, Rating.DISSATISFIED) == (
        "satisfied",
        "basically_satisfied",
        "dissatisfied",
    )


# ============================================================ variants from real archives
# Each case below is a way some office prints (or some scanner or converter renders) a part
# of the letter; the standard letter keeps everything else fixed.


@pytest.mark.parametrize(
    ("printed", "number", "year", "sequence"),
    [
        ("景国试管办案字［2025］1号", "景国试管办案字［2025］1号", 2025, 1),
        ("景国试管办案字(2025)1号", "景国试管办案字(2025)1号", 2025, 1),
        ("景国试管办案字 〔 2025 〕 1 号", "景国试管办案字〔2025〕1号", 2025, 1),
        ("景国试管办案字 ［ 2025 ］ 1 号", "景国试管办案字［2025］1号", 2025, 1),
        ("景国试管办案字【２０２５】１２号", "景国试管办案字【2025】12号", 2025, 12),
        ("景国试管办案字〔2025〕第1号", "景国试管办案字〔2025〕第1号", 2025, 1),
    ],
)
def test_more_document_numbers(printed, number, year, sequence):
    letter = read_letter(make_letter(doc=printed))
    assert (letter.doc_number, letter.doc_year, letter.doc_sequence) == (number, year, sequence)
    assert letter.doc_prefix == "景国试管办案字"
    assert letter.outcome_class == "A3"


@pytest.mark.parametrize(
    ("printed", "code"),
    [
        ("分类: A1", "A1"),
        ("分 类：C1", "C1"),
        ("类别：B类", "B"),
        ("分类标识:【A】", "A"),
        ("分类〔A〕", "A"),
        ("办理结果分类：B2", "B2"),
        ("答复类别：A", "A"),
        ("分类：A（已解决）", "A"),
        ("A类", "A"),
        ("B 类", "B"),
        ("甲类", "甲"),
        ("类别：乙", "乙"),
        ("A1", "A1"),
        ("【B】", "B"),
        ("办理结果：A类", "A"),
        ("类别：A　　签发人：张三", "A"),
    ],
)
def test_more_outcome_class_labels(printed, code):
    assert read_letter(make_letter(**{"class": printed})).outcome_class == code


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        ("景府办字〔2018〕27号 (B类)", "B"),
        ("景府办字〔2018〕27号（B类）", "B"),
        ("景府办字〔2018〕27号【B】", "B"),
        ("景府办字〔2018〕27号（A1）", "A1"),
        ("景府办字〔2018〕27号甲类", "甲"),
        ("景府办字〔2018〕27号  A类", "A"),
        ("景府办字〔2018〕27号                  A3", "A3"),
        ("景府办字〔2018〕27号C类    签发人：张三", "C"),
    ],
)
def test_class_right_after_the_document_number(doc, code):
    letter = read_letter(make_letter(doc=doc, **{"class": None}))
    assert letter.outcome_class == code
    assert (letter.doc_number, letter.doc_sequence) == ("景府办字〔2018〕27号", 27)


def test_class_printed_above_the_document_number():
    letter = read_letter(
        make_letter(doc="分类：B1\n\n景国试管办案字〔2025〕1号", **{"class": None})
    )
    assert (letter.outcome_class, letter.doc_sequence) == ("B1", 1)


def test_a_class_cited_in_the_body_is_not_the_letters_class():
    letter = read_letter(make_letter(**{"class": None}, body="根据景府办字〔2018〕27号C类文件。"))
    assert letter.outcome_class is None
    assert "未找到办理结果分类" in letter.warnings


@pytest.mark.parametrize(
    ("doc", "class_line", "code"),
    [
        ("景国试管办案字〔2025〕1号    签发人：张三", "分类：A3", "A3"),
        ("景国试管办案字〔2025〕1号    签发人：张三", "A类", "A"),
        ("景国试管办案字〔2025〕1号 签发人 张三", "分类：A3", "A3"),
        ("景国试管办案字〔2025〕1号  签 发 人：张三  分类：A1", None, "A1"),
    ],
)
def test_signer_on_the_document_number_line(doc, class_line, code):
    letter = read_letter(make_letter(doc=doc, **{"class": class_line}))
    assert letter.signer == "张三"
    assert (letter.doc_number, letter.outcome_class) == ("景国试管办案字〔2025〕1号", code)


@pytest.mark.parametrize(
    ("changes", "disclosure"),
    [
        ({"letterhead": "公开属性：主动公开"}, "主动公开"),
        ({"letterhead": "不予公开"}, "不予公开"),
        ({"after": "公开方式：依申请公开"}, "依申请公开"),
        ({"after": "不予公开"}, "不予公开"),
    ],
)
def test_more_disclosure_marks(changes, disclosure):
    letter = read_letter(make_letter(**changes))
    assert letter.disclosure == disclosure
    assert letter.doc_number == "景国试管办案字〔2025〕1号"


@pytest.mark.parametrize(
    ("printed", "number"),
    [
        ("第20250688号", "20250688"),
        ("第 1 2 号", "12"),
        ("第０４７９号", "0479"),
        ("第Ｄ０２２号", "D022"),
        ("第２０２５Ｄ０４８号", "2025D048"),
    ],
)
def test_more_proposal_numbers(printed, number):
    title = f"关于市政协十四届五次会议{printed}提案答复的函"
    assert read_letter(make_letter(title=title)).proposal_number == number


@pytest.mark.parametrize(
    ("title", "co_handling"),
    [
        ("关于对市政协十四届五次会议第12号提案的答复意见", False),
        ("关于市政协十四届五次会议第12号提案的答复意见函", False),
        ("关于市政协十四届五次会议第12号提案答复意见的函", False),
        ("关于市政协十四届五次会议第12号提案的回复函", False),
        ("关于市政协十四届五次会议第12号提案办理情况的答复函", False),
        ("对市政协十四届五次会议第12号提案的答复", False),
        ("市教育局关于市政协十四届五次会议第12号提案的会办意见", True),
        ("关于市政协十四届五次会议第12号提案的协办意见", True),
    ],
)
def test_more_title_endings(title, co_handling):
    letter = read_letter(make_letter(title=title))
    assert letter.title == title
    assert letter.is_co_handling is co_handling
    assert (letter.term, letter.meeting, letter.proposal_number) == (14, 5, "12")


@pytest.mark.parametrize("ending", ["。", "."])
def test_title_ending_with_a_full_stop(ending):
    letter = read_letter(
        make_letter(title=f"关于市政协十四届五次会议第12号提案的协办意见的函{ending}")
    )
    assert letter.title == "关于市政协十四届五次会议第12号提案的协办意见的函"
    assert letter.is_co_handling is True
    assert letter.proposal_number == "12"


@pytest.mark.parametrize(
    ("session", "committee", "level", "term", "meeting"),
    [
        ("江西省政协十三届二次会议", "江西省政协", "省", 13, 2),
        ("珠山区政协九届四次会议", "珠山区政协", "区", 9, 4),
        ("县政协十一届三次会议", "县政协", "县", 11, 3),
        ("乐平市政协十届三次会议", "乐平市政协", "市", 10, 3),
        ("政协江西省第十三届委员会第二次会议", "江西省政协", "省", 13, 2),
        ("中国人民政治协商会议景德镇市第十四届委员会第五次会议", "景德镇市政协", "市", 14, 5),
        ("市政协第十四届第五次会议", "市政协", "市", 14, 5),
        ("市政协第14届第5次会议", "市政协", "市", 14, 5),
        ("市政协十四届五次全体会议", "市政协", "市", 14, 5),
    ],
)
def test_more_sessions(session, committee, level, term, meeting):
    letter = read_letter(make_letter(title=f"关于{session}第12号提案的答复"))
    assert (letter.committee, letter.committee_level) == (committee, level)
    assert (letter.term, letter.meeting) == (term, meeting)


@pytest.mark.parametrize(
    "printed",
    [
        "关于市政协十四届五次会议\n\n第12号提案\n\n答复的函",
        "关于市政协十四届\n五次会议第12号提案\n答复的函",
        "## 关于市政协十四届五次会议第12号提案答复的函",
        "**关于市政协十四届五次会议第12号提案答复的函**",
        "## **关于市政协十四届五次会议第12号提案答复的函**",
        "# 关于市政协十四届五次会议\n\n# 第12号提案答复的函",
    ],
)
def test_title_layouts(printed):
    letter = read_letter(make_letter(title=printed))
    assert letter.title == "关于市政协十四届五次会议第12号提案答复的函"
    assert (letter.term, letter.proposal_number) == (14, "12")
    assert letter.addressee == "尊敬的李辉松委员"
    assert "第12号" not in letter.body


@pytest.mark.parametrize(
    ("printed", "signed_on"),
    [
        ("2025年04月29日", date(2025, 4, 29)),
        ("2025 年4 月29 日", date(2025, 4, 29)),
        ("2025年4月29日。", date(2025, 4, 29)),
        ("二〇二五年四月三十日", date(2025, 4, 30)),
        ("二0二五年四月二十九日", date(2025, 4, 29)),  # OCR read 〇 as a zero
        ("2 0 2 5 年 4 月 2 9 日", date(2025, 4, 29)),
    ],
)
def test_more_signing_dates(printed, signed_on):
    letter = read_letter(make_letter(signed=printed))
    assert (letter.unit, letter.signed_on) == ("国家试验区管委会办公室", signed_on)


@pytest.mark.parametrize(
    ("unit", "signed"),
    [
        (None, "国家试验区管委会办公室　　2025年4月29日"),
        ("国家试验区管委会办公室（盖章）", "2025年4月29日"),
        ("国家试验区管委会办公室\n\n（盖章）", "2025年4月29日"),
        (None, "国家试验区管委会办公室（盖章） 2025年4月29日"),
    ],
)
def test_signing_unit_layouts(unit, signed):
    letter = read_letter(make_letter(unit=unit, signed=signed))
    assert (letter.unit, letter.signed_on) == ("国家试验区管委会办公室", date(2025, 4, 29))
    assert "盖章" not in letter.body


@pytest.mark.parametrize(
    ("printed", "copied_to"),
    [
        ("抄 送：市政协提案委员会；市政府督查室", ["市政协提案委员会", "市政府督查室"]),
        (
            "抄送:市政协提案委员会、市政府督查室、市委督查室。",
            ["市政协提案委员会", "市政府督查室", "市委督查室"],
        ),
        ("抄报:市政协提案委员会;市政府督查室.", ["市政协提案委员会", "市政府督查室"]),
        ("抄送：市政协提案委员会    市政府督查室", ["市政协提案委员会", "市政府督查室"]),
        ("抄送：市政协提案委员会　　市政府督查室。", ["市政协提案委员会", "市政府督查室"]),
    ],
)
def test_more_copies(printed, copied_to):
    assert read_letter(make_letter(copies=printed)).copied_to == copied_to


def test_copies_and_contact_on_one_line():
    line = "抄送：市政协提案委员会，市政府督查室。    联系人：洪迈 15107989915"
    letter = read_letter(make_letter(copies=line, contact=None))
    assert letter.copied_to == ["市政协提案委员会", "市政府督查室"]
    assert (letter.contact_name, letter.contact_phone) == ("洪迈", "15107989915")


@pytest.mark.parametrize(
    ("printed", "name", "phone"),
    [
        ("联系人：洪迈 联系电话：0798-8888888", "洪迈", "0798-8888888"),
        ("联系人及电话：洪迈 15107989915", "洪迈", "15107989915"),
        ("联系人：洪迈 (0798)8888888", "洪迈", "(0798)8888888"),
        ("联系人：洪迈 电话：（0798）8888888", "洪迈", "（0798）8888888"),
        ("联系人：洪迈；联系电话：15107989915", "洪迈", "15107989915"),
        ("联系人:洪迈  手机:15107989915", "洪迈", "15107989915"),
        ("联 系 人：洪迈  联系电话：0798-8888888", "洪迈", "0798-8888888"),
        ("联系人：欧阳小明 15107989915", "欧阳小明", "15107989915"),
        ("联系电话：0798-8888888 联系人：洪迈", "洪迈", "0798-8888888"),
        ("（联系人：洪迈，联系电话：0798-8888888）", "洪迈", "0798-8888888"),
        ("联系人：洪迈  办公电话：0798-8888888", "洪迈", "0798-8888888"),
        ("经办人：洪迈 15107989915", "洪迈", "15107989915"),
        ("联系人：洪迈 8888888", "洪迈", "8888888"),
    ],
)
def test_more_contacts(printed, name, phone):
    letter = read_letter(make_letter(contact=printed))
    assert (letter.contact_name, letter.contact_phone) == (name, phone)


def test_contact_in_parentheses_before_the_signature_stays_out_of_the_body():
    contact = "（联系人：洪迈，联系电话：0798-8888888）"
    letter = read_letter(make_letter(attachment=contact, contact=None))
    assert (letter.contact_name, letter.unit) == ("洪迈", "国家试验区管委会办公室")
    assert "洪迈" not in letter.body


@pytest.mark.parametrize(
    ("line", "addressee", "name", "member"),
    [
        ("民盟景德镇市委会：", "民盟景德镇市委会", "民盟景德镇市委会", False),
        ("九三学社景德镇市委会：", "九三学社景德镇市委会", "九三学社景德镇市委会", False),
        ("尊敬的张三、李四委员：", "尊敬的张三、李四委员", "张三、李四", True),
        ("尊敬的李辉松代表：", "尊敬的李辉松代表", "李辉松", True),
        ("主送：民革市委会", "民革市委会", "民革市委会", False),
        ("主送：民革市委会。", "民革市委会", "民革市委会", False),
        ("主 送：李辉松委员", "李辉松委员", "李辉松", True),
        ("**尊敬的李辉松委员：**", "尊敬的李辉松委员", "李辉松", True),
        ("## 尊敬的李辉松委员：", "尊敬的李辉松委员", "李辉松", True),
    ],
)
def test_more_addressees(line, addressee, name, member):
    letter = read_letter(make_letter(addressee=line))
    assert letter.addressee == addressee
    assert (letter.proposer_name, letter.proposer_is_member) == (name, member)
    assert letter.body.startswith("您提出的")


@pytest.mark.parametrize(
    "attachment",
    [
        "附件1：政协提案办理情况征询意见表",
        "附：政协提案办理情况征询意见表",
        "附件 政协提案办理情况征询意见表",  # the scan lost the colon
    ],
)
def test_more_attachment_lines(attachment):
    letter = read_letter(
        make_letter(attachment=attachment, contact="联系人：洪迈\n\n联系电话：0798-8888888")
    )
    assert letter.has_form_attachment is True
    assert letter.body.endswith("二是完善政策。")
    assert (letter.contact_name, letter.contact_phone) == ("洪迈", "0798-8888888")
    assert letter.form is None


def test_more_page_marks():
    pages = ["一是加强统筹，推动", "2", "产业升级。", "－ 5 －", "二是完善政策。", "-4-", "三是。"]
    body = "\n\n".join([*pages, "第2页", "四是。", "·2·", "五是。", "— 2 — ", "六是。"])
    letter = read_letter(make_letter(body=body))
    assert letter.body.split("\n\n")[1:] == [
        "一是加强统筹，推动产业升级。",
        "二是完善政策。",
        "三是。",
        "四是。",
        "五是。",
        "六是。",
    ]


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
TRANSFORMS = {
    "crlf": lambda text: text.replace("\n", "\r\n"),
    "cr": lambda text: text.replace("\n", "\r"),
    "bom-crlf": lambda text: "\ufeff" + text.replace("\n", "\r\n"),
    "single-newlines": lambda text: text.replace("\n\n", "\n"),
    "html-one-line": lambda text: "".join(f"<p>{p}</p>" for p in text.split("\n\n")),
    "html-per-line": lambda text: "\n".join(
        f'<p style="text-align:center"><span>{p}</span></p>' for p in text.split("\n\n")
    ),
    "html-br": lambda text: "<br>".join(text.split("\n\n")),
    "html-div": lambda text: "".join(f"<div>{p}</div>" for p in text.split("\n\n")),
    "full-width-digits": lambda text: text.translate(FULL_WIDTH),
    "ideographic-indent": lambda text: "\n\n".join("　　" + p for p in text.split("\n\n")),
    "space-indent": lambda text: "\n\n".join("    " + p for p in text.split("\n\n")),
    "trailing-spaces": lambda text: text.replace("\n", "  \n"),
}


@pytest.mark.parametrize("transform", TRANSFORMS.values(), ids=TRANSFORMS.keys())
def test_the_standard_letter_survives_extraction_artefacts(transform):
    plain, artefacted = read_letter(make_letter()), read_letter(transform(make_letter()))
    assert artefacted == plain


def test_scan_spaces_inside_body_numbers_are_removed():
    letter = read_letter(make_letter(body="全市新增上云4414 家，其中第 1 批 27 家。"))
    assert letter.body.endswith("全市新增上云4414家，其中第1批27家。")


@pytest.mark.parametrize(
    ("attitude", "result", "ratings"),
    [
        (
            ["满意☑ 基本满意□ 不满意□"],
            ["满意□ 基本满意□ 不满意☑"],
            (Rating.SATISFIED, Rating.DISSATISFIED),
        ),
        (
            ["满意☑", "基本满意□", "不满意□"],
            ["满意□", "基本满意☑", "不满意□"],
            (Rating.SATISFIED, Rating.BASIC),
        ),
        (
            ["☑满意", "□基本满意", "□不满意"],
            ["□满意", "□基本满意", "☑不满意"],
            (Rating.SATISFIED, Rating.DISSATISFIED),
        ),
        (["满意√ 基本满意 不满意"], ["满意 基本满意√ 不满意"], (Rating.SATISFIED, Rating.BASIC)),
        (
            ["■满意 □基本满意 □不满意"],
            ["□满意 ■基本满意 □不满意"],
            (Rating.SATISFIED, Rating.BASIC),
        ),
        (
            ["☒满意 ☐基本满意 ☐不满意"],
            ["☐满意 ☒基本满意 ☐不满意"],
            (Rating.SATISFIED, Rating.BASIC),
        ),
    ],
)
def test_form_tick_marks(attitude, result, ratings):
    form_text = tab_form(
        *FILLED_BY_UNIT, ["委员填写", "办理态度", *attitude], ["", "办理结果", *result]
    )
    form = read_letter(make_letter(after=form_text)).form
    assert (form.attitude_rating, form.result_rating) == ratings


def test_form_cells_with_several_lines_joined_by_br():
    form_text = tab_form(
        [
            "承办单位填写",
            "提案者",
            "李辉松",
            "通讯地址及<br>联系电话",
            "珠山区瓷都大道1号<br>13900000000",
        ],
        ["", "提案标题", "关于统筹发展景德镇日用陶瓷<br>产业的建议"],
        ["", "提案编号", "第010号", "办理结果分类<br>(A1、A2、A3、<br>B1、B2、C1、C2)", "A3"],
        ["", "承办单位", "国家试验区管委会<br>办公室"],
        ["委员<br>填写", "办理态度", "满意☑ 基本满意□ 不满意□"],
        ["", "办理结果", "满意☑ 基本满意□ 不满意□"],
        ["", "意见建议", "希望加快落实。<br>提案者签名：李辉松<br>2025年5月10日"],
    )
    letter = read_letter(make_letter(after=form_text))
    form = letter.form
    assert (form.proposer_address, form.proposer_phone) == ("珠山区瓷都大道1号", "13900000000")
    assert form.proposal_title == "关于统筹发展景德镇日用陶瓷产业的建议"
    assert (form.proposal_number, form.outcome_class) == ("010", "A3")
    assert form.unit == "国家试验区管委会办公室"
    assert (form.attitude_rating, form.result_rating) == (Rating.SATISFIED, Rating.SATISFIED)
    assert (form.comments, form.signature_name) == ("希望加快落实。", "李辉松")
    assert form.signed_on == date(2025, 5, 10)
    assert letter.warnings == []


def test_form_class_cell_with_its_definition_and_proposer_cell_with_a_contact():
    form_text = tab_form(
        ["承办单位填写", "提案者", "民革市委会<br>联系人：张文", "通讯地址及联系电话", "139000"],
        ["", "提案编号", "第010号", "办理结果分类", "A3<br>已有规定"],
    )
    letter = read_letter(make_letter(addressee="民革市委会：", after=form_text))
    assert (letter.form.proposer, letter.form.outcome_class) == ("民革市委会", "A3")
    assert letter.warnings == []


def test_seed_003_with_windows_line_endings_reads_the_same():
    text = seed("003")
    assert read_letter(text.replace("\n", "\r\n")) == read_letter(text)


@pytest.mark.parametrize(
    "text",
    [
        "市政协提案全部办理答复\n\n本报讯 今年市政协十四届五次会议共收到提案320件，"
        "目前已全部办理答复。\n\n市政协提案委员会负责人表示，将继续加强督办。",
        "关于政协提案办理工作的答复\n\n近日，市政府办公室发布通知。各单位要认真办理。",
        "# 我市召开政协提案交办会\n\n3月20日，市政协十四届五次会议提案交办会召开。"
        "会议要求各单位认真答复。",
        "景德镇：提案办理“答复”变“落实”\n\n本报讯（记者 李四）今年，我市把提案办理作为重要工作。",
    ],
)
def test_news_about_proposals_is_not_a_letter(text):
    with pytest.raises(NotALetter):
        read_letter(text)


def test_a_form_titled_like_an_attachment_line_is_still_the_form():
    rows = ["提案者：李辉松", "提案编号：第010号", "办理态度：☑满意 □基本满意 □不满意"]
    form_text = "\n\n".join(["附件 政协提案办理情况征询意见表", *rows])
    letter = read_letter(make_letter(after=form_text))
    assert (letter.form.proposer, letter.form.attitude_rating) == ("李辉松", Rating.SATISFIED)
    assert (letter.contact_name, letter.unit) == ("洪迈", "国家试验区管委会办公室")


def test_an_undated_letter_keeps_its_signing_unit():
    letter = read_letter(make_letter(signed="年　月　日"))
    assert (letter.unit, letter.signed_on) == ("国家试验区管委会办公室", None)
    assert "未找到成文日期" in letter.warnings


@pytest.mark.parametrize("session", ["二十0届五次会议", "十四22届五次会议"])
def test_numerals_cn2an_cannot_read_give_no_session_not_a_crash(session):
    letter = read_letter(make_letter(title=f"关于市政协{session}第010号提案答复的函"))
    assert letter.term is None
