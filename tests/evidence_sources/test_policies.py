"""policies: refund / cancellation / terms from settings, as text fields and sections."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import SettingError
from engine.evidence.model import TextField
from engine.testing import EvidenceSourceRunner, MakeSettings
from evidence_sources.policies import PoliciesSource
from tests.engine.evidence.packet.pdfs import text_of


def write_config(tmp_path: Path, body: str) -> str:
    path = tmp_path / "merchant.toml"
    path.write_text(body)
    return str(path)


def test_policies_fill_the_disclosure_fields_and_the_documentation(
    tmp_path: Path, make_settings: MakeSettings, evidence_source_runner: EvidenceSourceRunner
) -> None:
    terms = tmp_path / "terms.txt"
    terms.write_text("Designs are licensed to the buyer.\n\nNo refunds once downloaded.")
    settings = make_settings(
        config=write_config(
            tmp_path,
            "[evidence_sources.policies]\n"
            'refund_policy = "Refunds within 14 days, before any download."\n'
            f'terms_file = "{terms}"\n'
            'policy_url = "https://shop.example.com/terms"\n',
        )
    )
    source = PoliciesSource.from_settings(settings)
    assert source is not None

    run = evidence_source_runner(source)

    assert run.contribution is not None
    texts = {item.field: item.text for item in run.contribution.texts}
    assert texts == {
        TextField.REFUND_POLICY_DISCLOSURE: "Refunds within 14 days, before any download."
    }
    assert [s.title for s in run.contribution.sections] == ["Refund policy", "Terms of service"]
    document = text_of(run.service_documentation_pdf)
    assert "No refunds once downloaded." in document
    assert "https://shop.example.com/terms" in document


def test_without_settings_the_source_is_off(make_settings: MakeSettings) -> None:
    assert PoliciesSource.from_settings(make_settings()) is None


def test_an_unreadable_policy_file_names_the_key(
    tmp_path: Path, make_settings: MakeSettings
) -> None:
    settings = make_settings(
        config=write_config(
            tmp_path, '[evidence_sources.policies]\nrefund_policy_file = "/no/such/file.txt"\n'
        )
    )
    with pytest.raises(SettingError, match=r"\[evidence_sources.policies\] refund_policy_file"):
        PoliciesSource.from_settings(settings)
