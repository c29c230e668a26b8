"""Labels for the codes a case carries (product types, policy categories), translated."""

from __future__ import annotations

from django import template

from wildwatch.hub.public.services import CATEGORY_LABELS, PRODUCT_LABELS

register = template.Library()


@register.filter
def product_label(code: str) -> str:
    label = PRODUCT_LABELS.get(code)
    return str(label) if label is not None else code.replace("_", " ")


@register.filter
def category_label(code: str) -> str:
    label = CATEGORY_LABELS.get(code)
    return str(label) if label is not None else code


@register.filter
def web_url(url: str) -> str:
    """``url`` if it is an http(s) address (safe as a link), else an empty string."""
    return url if url.strip().lower().startswith(("http://", "https://")) else ""
