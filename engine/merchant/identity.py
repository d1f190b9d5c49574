"""The seller's identity from ``DISPUTES_MERCHANT_*`` and the TOML file's ``[merchant]`` table.

Banks read the letterhead to match the statement descriptor to a business; a packet that names
no seller is weaker than one that does, so the dashboard warns while the name is unset.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from engine.errors import SettingError

MERCHANT_KEYS = (
    "name",
    "legal_name",
    "address",
    "support_email",
    "support_phone",
    "website",
    "logo_file",
    "product_description",
)
MAX_FIELD_CHARS = 500
"""One letterhead line; the product description, a text field of its own, may be longer."""
MAX_DESCRIPTION_CHARS = 5_000
MAX_LOGO_BYTES = 5 * 1024 * 1024


class MerchantIdentity(msgspec.Struct, frozen=True, kw_only=True):
    name: str | None = None
    legal_name: str | None = None
    address: str | None = None
    support_email: str | None = None
    support_phone: str | None = None
    website: str | None = None
    logo_file: Path | None = None
    product_description: str | None = None

    @property
    def is_set(self) -> bool:
        """Whether the documents can name the seller at all."""
        return bool(self.name or self.legal_name)

    def contact_lines(self) -> list[str]:
        """The letterhead's lines under the name, only those that are known."""
        lines: list[str] = []
        if self.legal_name and self.legal_name != self.name:
            lines.append(self.legal_name)
        if self.address:
            lines.append(self.address)
        contact = [item for item in (self.support_email, self.support_phone, self.website) if item]
        if contact:
            lines.append(" · ".join(contact))
        return lines


def merchant_from_values(
    values: Mapping[str, str], section: Mapping[str, Any], base: Path
) -> MerchantIdentity:
    """``values`` are the ``DISPUTES_*`` values without prefix (environment wins); ``section``
    is ``[merchant]``; a relative logo path is read from ``base``."""
    found: dict[str, str] = {}
    for key in MERCHANT_KEYS:
        variable = f"DISPUTES_MERCHANT_{key.upper()}"
        raw: object = values.get(f"MERCHANT_{key.upper()}") or section.get(key)
        if raw is None or raw == "":
            continue
        if not isinstance(raw, str):
            raise SettingError(variable, f"must be a string, not {raw!r}")
        text = raw.strip()
        limit = MAX_DESCRIPTION_CHARS if key == "product_description" else MAX_FIELD_CHARS
        if len(text) > limit:
            raise SettingError(variable, f"must be at most {limit} characters")
        if text:
            found[key] = text
    unknown = sorted(set(section) - set(MERCHANT_KEYS))
    if unknown:
        raise SettingError("DISPUTES_CONFIG", f"[merchant] has unknown keys: {', '.join(unknown)}")
    logo = found.pop("logo_file", None)
    logo_path = _logo_path(base, logo) if logo else None
    return MerchantIdentity(logo_file=logo_path, **found)


def _logo_path(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    path = path if path.is_absolute() else (base / path).resolve()
    if not path.is_file():
        raise SettingError("DISPUTES_MERCHANT_LOGO_FILE", f"{path} is not a file")
    if path.stat().st_size > MAX_LOGO_BYTES:
        raise SettingError("DISPUTES_MERCHANT_LOGO_FILE", f"{path} is larger than 5 MB")
    return path
