"""The packet's text fields: what sources gave, completed from facts, fitted to the rules.

A field the provider does not take is left out (and recorded), a text over its limit is cut with
a marker, and the total is kept under the provider's overall limit — so validation afterwards is
a safety net, not the usual way a packet fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from engine.evidence.model import EvidenceRules, EvidenceText, TextField
from engine.evidence.packet import facts as known
from engine.plugins.sources import Section

CUT_MARKER = " […]"

_FROM_FACTS = {
    TextField.CUSTOMER_NAME: known.CUSTOMER_NAME,
    TextField.CUSTOMER_EMAIL_ADDRESS: known.CUSTOMER_EMAIL,
    TextField.CUSTOMER_PURCHASE_IP: known.CUSTOMER_PURCHASE_IP,
    TextField.BILLING_ADDRESS: known.BILLING_ADDRESS,
    TextField.PRODUCT_DESCRIPTION: known.PRODUCT,
    TextField.SERVICE_DATE: known.SERVICE_DATE,
}


@dataclass
class TextPlan:
    texts: list[EvidenceText]
    dropped: list[str] = field(default_factory=list)
    """Fields the provider does not take."""
    cut: list[str] = field(default_factory=list)
    """Fields shortened to fit a limit."""


def activity_log(sections: Iterable[Section]) -> str | None:
    """The activity tables, one line per row, for ``access_activity_log``."""
    lines: list[str] = []
    for section in sections:
        if not section.rows or "activity" not in section.title.lower():
            continue
        header, *rows = section.rows
        lines.append(section.title)
        lines.extend(
            "; ".join(f"{name}: {value}" for name, value in zip(header, row, strict=False))
            for row in rows
        )
    return "\n".join(lines) or None


def plan_texts(
    given: Iterable[EvidenceText],
    facts: dict[str, str],
    sections: Iterable[Section],
    argument: Mapping[TextField, str],
    rules: EvidenceRules,
    seller_product: str | None = None,
) -> TextPlan:
    """Sources' texts first (they know the merchant best), then the generated ``argument``
    (see :mod:`engine.evidence.pipeline.argument`), then plain facts, the seller's own
    description of what it sells (``seller_product``, from the merchant settings)
    and the activity log."""
    chosen: dict[TextField, str] = {}
    for item in given:
        if item.text.strip():  # a blank text from a source fills nothing
            chosen.setdefault(item.field, item.text)
    for text_field, text in argument.items():
        if text:
            chosen.setdefault(text_field, text)
    for text_field, fact in _FROM_FACTS.items():
        if facts.get(fact):
            chosen.setdefault(text_field, facts[fact])
    if seller_product and seller_product.strip():
        chosen.setdefault(TextField.PRODUCT_DESCRIPTION, seller_product)
    log = activity_log(sections)
    if log:
        chosen.setdefault(TextField.ACCESS_ACTIVITY_LOG, log)
    plan = TextPlan(texts=[])
    for text_field, text in chosen.items():
        if text_field not in rules.text_fields:
            plan.dropped.append(text_field.value)
            continue
        limit = (
            rules.long_text_limit
            if text_field in rules.long_text_fields
            else rules.short_text_limit
        )
        if limit is not None and len(text) > limit:
            text = _cut(text, limit)
            plan.cut.append(text_field.value)
        if text.strip():
            plan.texts.append(EvidenceText(text_field, text))
    _fit_total(plan, rules.total_text_limit)
    return plan


def _cut(text: str, limit: int) -> str:
    if limit <= len(CUT_MARKER):
        return text[:limit]
    return text[: limit - len(CUT_MARKER)] + CUT_MARKER


def _fit_total(plan: TextPlan, total_limit: int | None) -> None:
    """Shorten the longest fields first until the total fits."""
    if total_limit is None:
        return
    while (excess := sum(len(item.text) for item in plan.texts) - total_limit) > 0:
        index = max(range(len(plan.texts)), key=lambda i: len(plan.texts[i].text))
        longest = plan.texts[index]
        keep = max(0, len(longest.text) - excess)
        if keep == 0:
            plan.texts.pop(index)
        else:
            plan.texts[index] = EvidenceText(longest.field, _cut(longest.text, keep))
        if longest.field.value not in plan.cut:
            plan.cut.append(longest.field.value)
