"""Reading reply letters (答复函) from their extracted text."""

from .reader import NotALetter, ParsedForm, ParsedLetter, Rating, read_letter
from .sources import (
    SUFFIXES,
    UnreadableFile,
    file_text,
    letter_files,
    path_text,
    read_file,
)

__all__ = [
    "SUFFIXES",
    "NotALetter",
    "ParsedForm",
    "ParsedLetter",
    "Rating",
    "UnreadableFile",
    "file_text",
    "letter_files",
    "path_text",
    "read_file",
    "read_letter",
]
