"""Small helpers for the listing and proposal pages."""

from django import template

from proposals.models import Rating

register = template.Library()


@register.filter
def rating_label(value: str | None) -> str:
    """The label of a rating value ("satisfied" → 满意); empty where no form came back."""
    return Rating(value).label if value in Rating.values else ""


@register.simple_tag
def page_url(query: str, page: int) -> str:
    """The listing URL of another page, keeping every filter."""
    return f"?{query}&page={page}" if query else f"?page={page}"
