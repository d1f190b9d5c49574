"""The rebuttal: what the evidence says about the dispute's own reason, and in which field.

A processor's reviewer reads the fields its network rules point at for the reason given (Stripe's
per-reason guidance): a fraud claim is answered by who bought and used the service, a refund
claim by the refund policy and the use made of what was bought, a cancellation claim by the
cancellation policy and continued use. Every sentence here comes from a fact, a section or the
dispute itself; a missing fact drops its sentence rather than leaving a gap or a "None".

Texts a source gave win over these (``plan_texts`` keeps the first text per field, sources
first); a rebuttal the provider has no field for falls back into ``uncategorized_text``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from engine.disputes.model import DisputeState, Reason
from engine.disputes.money import format_amount
from engine.evidence.model import EvidenceRules, EvidenceText, FileField, TextField
from engine.evidence.packet import facts as known
from engine.evidence.packet.documents import DISPUTED_AS
from engine.evidence.pipeline.phrasing import and_list, clean, key, present, quote
from engine.evidence.pipeline.usage import Usage, aware, moment_of, usage
from engine.plugins.sources import Section

UNCATEGORIZED = TextField.UNCATEGORIZED_TEXT
REBUTTAL_FIELD = {
    Reason.PRODUCT_UNACCEPTABLE: TextField.REFUND_REFUSAL_EXPLANATION,
    Reason.CREDIT_NOT_PROCESSED: TextField.REFUND_REFUSAL_EXPLANATION,
    Reason.SUBSCRIPTION_CANCELED: TextField.CANCELLATION_REBUTTAL,
    Reason.DUPLICATE: TextField.DUPLICATE_CHARGE_EXPLANATION,
}
"""Reasons answered in a field of their own; the others are answered in ``uncategorized_text``."""

_IDENTITY = (
    ("name", known.CUSTOMER_NAME),
    ("email address", known.CUSTOMER_EMAIL),
    ("billing address", known.BILLING_ADDRESS),
)


def reason_of(dispute: DisputeState) -> Reason:
    """The neutral reason; a word the engine does not know is argued as ``general``."""
    try:
        return Reason(dispute.reason)
    except ValueError:
        return Reason.GENERAL


def compose_argument(
    dispute: DisputeState,
    facts: Mapping[str, str],
    sections: Sequence[Section],
    images: int,
    given: Iterable[EvidenceText],
    rules: EvidenceRules,
    documents: int = 0,
) -> dict[TextField, str]:
    """The generated texts, by field: only fields the provider takes and no source filled."""
    reason = reason_of(dispute)
    taken = rules.text_fields
    given_text: dict[TextField, str] = {}
    for item in given:
        if item.text.strip():
            given_text.setdefault(item.field, item.text)
    supplied = given_text.keys()
    case = _Case(dispute, reason, facts, sections, usage(sections), images, documents, rules)
    out: dict[TextField, str] = {}

    rebuttal_field = REBUTTAL_FIELD.get(reason)
    cover = [case.opening(), *case.cover_facts()]
    if rebuttal_field is None:
        body = case.rebuttal(given_text)
        uncategorized = [cover[0], *body, *cover[1:]]
    else:
        rebuttal = " ".join([case.opening(), *case.rebuttal(given_text)])
        uncategorized = list(cover)
        if rebuttal_field in taken:
            if rebuttal_field not in supplied:
                out[rebuttal_field] = rebuttal
            uncategorized.insert(
                1, f"The {rebuttal_field.value.replace('_', ' ')} sets out the merchant's answer."
            )
        else:
            uncategorized = [rebuttal, *cover[1:]]
    if UNCATEGORIZED in taken and UNCATEGORIZED not in supplied:
        out[UNCATEGORIZED] = " ".join(uncategorized)
    for text_field, text in case.extras().items():
        if text_field in taken and text_field not in supplied and text:
            out[text_field] = text
    return out


@dataclass(frozen=True)
class _Case:
    dispute: DisputeState
    reason: Reason
    facts: Mapping[str, str]
    sections: Sequence[Section]
    usage: Usage
    images: int
    documents: int
    rules: EvidenceRules

    def fact(self, name: str) -> str | None:
        return clean(self.facts.get(name))

    def opening(self) -> str:
        dispute = self.dispute
        payment = clean(dispute.payment_id)
        amount = f"{dispute.money.currency} {format_amount(dispute.money.amount)}"
        disputed_as = DISPUTED_AS.get(self.reason)
        named = clean(dispute.dispute_id)
        return (
            f"This evidence answers {f'dispute {named}' if named else 'the dispute'} about "
            f"{f'payment {payment}' if payment else 'the payment'} of {amount}"
            + (f", disputed as {disputed_as}." if disputed_as else ".")
        )

    def cover_facts(self) -> list[str]:
        """The attached documents and the total paid, as the cover note has always said."""
        parts = []
        if FileField.RECEIPT in self.rules.file_fields:
            parts.append("The attached receipt records the purchase and the customer's identity.")
        if FileField.SERVICE_DOCUMENTATION in self.rules.file_fields:
            if self.images:
                parts.append(
                    "The attached service documentation shows what the customer received and "
                    f"used ({self.images} items)."
                )
            elif self.sections:
                parts.append(
                    "The attached service documentation shows how the customer used the service."
                )
            if self.documents:
                plural = "s" if self.documents != 1 else ""
                parts.append(
                    f"It ends with {self.documents} document{plural} from the merchant's records, "
                    "each introduced by a page saying what it is and where it is from."
                )
        paid = self.fact(known.TOTAL_AMOUNT_PAID)
        if paid:
            parts.append(f"Total amount the customer paid: {paid}.")
        return parts

    def rebuttal(self, given: Mapping[TextField, str]) -> list[str]:
        reason = self.reason
        if reason in (Reason.FRAUDULENT, Reason.UNRECOGNIZED):
            return present(
                self.purchase(),
                self.identity(),
                *self.verification(),
                *self.use(after_dispute=True),
            )
        if reason is Reason.PRODUCT_NOT_RECEIVED:
            return present(self.purchase(), self.delivered(), *self.use())
        if reason in (Reason.PRODUCT_UNACCEPTABLE, Reason.CREDIT_NOT_PROCESSED):
            policy = _policy(given, self.sections, TextField.REFUND_POLICY_DISCLOSURE, "refund")
            used = self.use()
            stance = None
            if used:
                what = "refund" if reason is Reason.PRODUCT_UNACCEPTABLE else "refund or credit"
                under = "Under this policy, and because" if policy else "Because"
                stance = f"{under} the customer received and used the service, no {what} is owed."
            quoted = f"The merchant's refund policy reads: “{quote(policy)}”." if policy else None
            return present(self.purchase(), *used, quoted, stance)
        if reason is Reason.SUBSCRIPTION_CANCELED:
            policy = _policy(
                given, self.sections, TextField.CANCELLATION_POLICY_DISCLOSURE, "cancellation"
            )
            quoted = f"The cancellation policy reads: “{quote(policy)}”." if policy else None
            return present(self.purchase(), quoted, *self.use(after_dispute=True))
        if reason is Reason.DUPLICATE:
            return present(self.purchase(), self.distinct(given), *self.use())
        return present(self.purchase(), *self.use())

    def extras(self) -> dict[TextField, str | None]:
        """Short fields the reason's reviewer looks at, beside the rebuttal."""
        if self.reason is Reason.PRODUCT_NOT_RECEIVED:
            return {TextField.SERVICE_DATE: self.service_date()}
        if self.reason in (Reason.PRODUCT_UNACCEPTABLE, Reason.CREDIT_NOT_PROCESSED):
            return {
                TextField.REFUND_POLICY_DISCLOSURE: _section_text(self.sections, "refund"),
                TextField.PRODUCT_DESCRIPTION: self.description(),
            }
        if self.reason is Reason.SUBSCRIPTION_CANCELED:
            return {
                TextField.CANCELLATION_POLICY_DISCLOSURE: _section_text(
                    self.sections, "cancellation"
                )
            }
        if self.reason is Reason.DUPLICATE:
            return {TextField.DUPLICATE_CHARGE_ID: self.fact(known.DUPLICATE_CHARGE_ID)}
        if self.reason is Reason.GENERAL:
            return {TextField.PRODUCT_DESCRIPTION: self.description()}
        return {}

    def purchase(self) -> str | None:
        product, at = self.fact(known.PRODUCT), self.fact(known.PURCHASED_AT)
        if product and at:
            return f"The customer bought {product} on {at}."
        if product:
            return f"The customer bought {product}."
        return f"The purchase was made on {at}." if at else None

    def description(self) -> str | None:
        product, at, paid = (
            self.fact(n) for n in (known.PRODUCT, known.PURCHASED_AT, known.AMOUNT_CHARGED)
        )
        details = present(f"purchased {at}" if at else None, f"for {paid}" if paid else None)
        if not product:
            return None
        return f"{product} ({', '.join(details)})." if details else f"{product}."

    def identity(self) -> str | None:
        parts = [
            f"{label} {value}"
            for label, name in _IDENTITY
            if (value := self.fact(name)) is not None
        ]
        ip = self.fact(known.CUSTOMER_PURCHASE_IP)
        if not parts and not ip:
            return None
        under = f" under the customer's {and_list(parts)}" if parts else ""
        from_ip = f"{',' if parts else ''} from IP address {ip}" if ip else ""
        return f"The purchase was made{under}{from_ip}."

    def verification(self) -> list[str | None]:
        """The issuer's card checks and the 3-D Secure result, as the processor reported them
        (fraud reviewers weigh both); nothing when it reported none."""
        checks, secure = self.fact(known.CARD_CHECKS), self.fact(known.THREE_D_SECURE)
        return [
            f"At purchase the card issuer checked the card details given: {checks}."
            if checks
            else None,
            f"3-D Secure result at purchase: {secure}." if secure else None,
        ]

    def service_date(self) -> str | None:
        given = self.fact(known.SERVICE_DATE)
        if given:
            return given
        return self.usage.first_at.date().isoformat() if self.usage.first_at else None

    def delivered(self) -> str | None:
        given = self.fact(known.SERVICE_DATE)
        if given:
            return f"The service was provided to the customer on {given}."
        first = self.usage.first
        return f"The customer first used the service on {first}." if first else None

    def use(self, *, after_dispute: bool = False) -> list[str]:
        seen, sentences = self.usage, []
        if seen.entries:
            entries = f"{seen.entries} entr{'ies' if seen.entries != 1 else 'y'}"
            if seen.first and seen.last and seen.first != seen.last:
                span = f", from {seen.first} to {seen.last}"
            else:
                span = f", on {seen.first}" if seen.first else ""
            sentences.append(f"The customer's activity log records {entries}{span}.")
            since = seen.since(moment_of(self.fact(known.PURCHASED_AT) or ""))
            if since:
                sentences.append(f"{since} of them are on or after the purchase.")
        opened = self.dispute.created_at
        if after_dispute and opened and seen.last_at and seen.last_at > aware(opened):
            sentences.append(
                f"The customer was still using the service on {seen.last}, after this dispute "
                f"was opened on {opened.date().isoformat()}."
            )
        if self.images:
            one = self.images == 1
            count = f"{self.images} design{'' if one else 's'}"
            where = (
                "shown in the attached service documentation"
                if FileField.SERVICE_DOCUMENTATION in self.rules.file_fields
                else "kept with the evidence"
            )
            sentences.append(
                f"The customer generated {count} with the service; "
                f"{'it is' if one else 'they are'} {where}."
            )
        return sentences

    def distinct(self, given: Mapping[TextField, str]) -> str | None:
        """What sets the disputed charge apart from the other one, as far as facts say."""
        other = clean(given.get(TextField.DUPLICATE_CHARGE_ID)) or self.fact(
            known.DUPLICATE_CHARGE_ID
        )
        differences = []
        for mine, theirs, what in (
            (known.AMOUNT_CHARGED, known.DUPLICATE_CHARGE_AMOUNT, "amounts"),
            (known.PURCHASED_AT, known.DUPLICATE_CHARGE_DATE, "dates"),
            (known.PRODUCT, known.DUPLICATE_CHARGE_PRODUCT, "products"),
        ):
            a, b = self.fact(mine), self.fact(theirs)
            if a and b and key(a) != key(b):
                differences.append(f"different {what} ({a} and {b})")
        other_name = f"the other charge {other}" if other else "the other charge"
        if differences:
            return f"This charge and {other_name} are separate purchases: {and_list(differences)}."
        return f"The other charge is {other}." if other else None


def _section_text(sections: Iterable[Section], kind: str) -> str | None:
    for section in sections:
        if f"{kind} policy" in section.title.lower() and section.paragraphs:
            text = "\n\n".join(p.strip() for p in section.paragraphs if p.strip())
            if text:
                return text
    return None


def _policy(
    given: Mapping[TextField, str], sections: Iterable[Section], field: TextField, kind: str
) -> str | None:
    text = given.get(field) or _section_text(sections, kind)
    return text if text and text.split() else None
