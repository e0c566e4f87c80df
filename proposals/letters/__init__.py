"""Reading reply letters (答复函) from their extracted text."""

from .reader import NotALetter, ParsedForm, ParsedLetter, Rating, read_letter

__all__ = ["NotALetter", "ParsedForm", "ParsedLetter", "Rating", "read_letter"]
