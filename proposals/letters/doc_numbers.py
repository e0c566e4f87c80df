"""Document numbers (文号) as offices print them: 景国试管办案字〔2025〕1号.

The year stands in any of the brackets 〔〕【】[]［］（）(), scanned text may put spaces
anywhere inside and print full-width digits; the number is kept whole as printed (scan
spaces removed), with its prefix, year and sequence.
"""

import re
from dataclasses import dataclass

# Full-width digits to ASCII, one character for one, so match positions stay valid.
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")

DOC_NUMBER = re.compile(
    r"(?P<prefix>[\u4e00-\u9fffA-Za-z]{0,20}?)\s*"
    r"[〔【\[［（(]\s*(?P<year>(?:19|20)\s*\d\s*\d)\s*[〕】\]］）)]\s*"
    r"第?\s*(?P<sequence>\d(?:\s*\d){0,5})\s*号"
)


@dataclass(frozen=True)
class DocNumber:
    text: str
    prefix: str
    year: int
    sequence: int


def without_spaces(text: str) -> str:
    return re.sub(r"\s+", "", text)


def split_doc_number(text: str) -> DocNumber | None:
    """The first document number in `text`, or None when there is none."""
    match = DOC_NUMBER.search(text.translate(FULL_WIDTH_DIGITS))
    if not match:
        return None
    return DocNumber(
        text=without_spaces(text[match.start() : match.end()]),
        prefix=match["prefix"],
        year=int(without_spaces(match["year"])),
        sequence=int(without_spaces(match["sequence"])),
    )
