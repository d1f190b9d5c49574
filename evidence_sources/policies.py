"""``policies``: the merchant's refund, cancellation and terms text, from settings.

```toml
[evidence_sources.policies]
refund_policy = "Refunds within 14 days of purchase…"      # or refund_policy_file = "refund.txt"
cancellation_policy_file = "/srv/app/policies/cancel.md"
terms_file = "/srv/app/policies/terms.txt"
policy_url = "https://example.com/terms"                  # where the customer saw them
```

Refund and cancellation text fill the processors' ``*_policy_disclosure`` fields; all three
appear as sections of the service documentation. Files are read as UTF-8 text; relative paths
resolve from the working directory.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.errors import SettingError
from engine.evidence.model import EvidenceText, TextField
from engine.plugins.sources import Contribution, EvidenceContext, EvidenceSource, Section
from engine.settings import Settings

SECTION = "[evidence_sources.policies]"
MAX_POLICY_CHARS = 100_000

_POLICIES = (
    ("refund_policy", "Refund policy", TextField.REFUND_POLICY_DISCLOSURE),
    ("cancellation_policy", "Cancellation policy", TextField.CANCELLATION_POLICY_DISCLOSURE),
    ("terms", "Terms of service", None),
)


class PoliciesSource(EvidenceSource):
    name = "policies"
    timeout_seconds = 10.0

    def __init__(self, policies: dict[str, str], policy_url: str | None) -> None:
        self.policies = policies
        self.policy_url = policy_url

    @classmethod
    def from_settings(cls, settings: Settings) -> PoliciesSource | None:
        config = settings.section("evidence_sources", "policies")
        policies = {}
        for key, _title, _field in _POLICIES:
            text = _read(config, key)
            if text:
                policies[key] = text
        if not policies:
            return None
        url = config.get("policy_url")
        if url is not None and not isinstance(url, str):
            raise SettingError(f"{SECTION} policy_url", "must be a string")
        return cls(policies, url or None)

    def contribute(self, context: EvidenceContext) -> Contribution:
        texts = []
        sections = []
        for key, title, text_field in _POLICIES:
            text = self.policies.get(key)
            if not text:
                continue
            if text_field is not None:
                texts.append(EvidenceText(text_field, text))
            paragraphs = [part.strip() for part in text.split("\n\n") if part.strip()]
            if self.policy_url:
                paragraphs.append(f"Published at {self.policy_url}")
            sections.append(Section(title=title, paragraphs=tuple(paragraphs)))
        return Contribution(texts=tuple(texts), sections=tuple(sections))


def _read(config: Mapping[str, Any], key: str) -> str | None:
    inline, path = config.get(key), config.get(f"{key}_file")
    if inline is not None and path is not None:
        raise SettingError(f"{SECTION} {key}", f"give either {key} or {key}_file, not both")
    if inline is not None:
        if not isinstance(inline, str):
            raise SettingError(f"{SECTION} {key}", "must be a string")
        text = inline
    elif path is not None:
        if not isinstance(path, str):
            raise SettingError(f"{SECTION} {key}_file", "must be a path string")
        try:
            text = Path(path).expanduser().read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SettingError(f"{SECTION} {key}_file", f"cannot read {path}: {error}") from None
    else:
        return None
    text = text.strip()
    if len(text) > MAX_POLICY_CHARS:
        raise SettingError(f"{SECTION} {key}", f"is longer than {MAX_POLICY_CHARS} characters")
    return text or None
