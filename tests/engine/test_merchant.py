"""The seller's identity: from the environment and ``[merchant]``, validated at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import SettingError
from engine.evidence.pipeline.build import seller_product
from engine.merchant import MerchantIdentity
from engine.settings import load_settings
from engine.testing import make_design_image


def test_the_merchant_table_and_the_environment_merge_environment_first(tmp_path: Path) -> None:
    make_design_image(tmp_path / "logo.png", 300, 120, 1)
    (tmp_path / "disputes.toml").write_text(
        '[merchant]\nname = "File Name"\nlegal_name = "Acme Studio Ltd"\n'
        'address = "1 Main St, Springfield"\nlogo_file = "logo.png"\n'
    )
    settings = load_settings(
        {"DISPUTES_MERCHANT_NAME": "Acme Studio", "DISPUTES_MERCHANT_WEBSITE": "acme.example"},
        cwd=tmp_path,
    )
    merchant = settings.merchant
    assert merchant.name == "Acme Studio"
    assert merchant.legal_name == "Acme Studio Ltd"
    assert merchant.logo_file == tmp_path / "logo.png"
    assert merchant.is_set
    assert merchant.contact_lines() == ["Acme Studio Ltd", "1 Main St, Springfield", "acme.example"]


def test_nothing_configured_means_no_seller(tmp_path: Path) -> None:
    merchant = load_settings({}, cwd=tmp_path).merchant
    assert merchant == MerchantIdentity()
    assert not merchant.is_set
    assert merchant.contact_lines() == []


@pytest.mark.parametrize(
    ("environ", "toml", "variable"),
    [
        ({"DISPUTES_MERCHANT_LOGO_FILE": "missing.png"}, "", "DISPUTES_MERCHANT_LOGO_FILE"),
        ({"DISPUTES_MERCHANT_NAME": "x" * 501}, "", "DISPUTES_MERCHANT_NAME"),
        ({}, "[merchant]\nname = 3\n", "DISPUTES_MERCHANT_NAME"),
        ({}, '[merchant]\nnmae = "typo"\n', "DISPUTES_CONFIG"),
    ],
)
def test_bad_merchant_settings_name_the_variable(
    tmp_path: Path, environ: dict[str, str], toml: str, variable: str
) -> None:
    (tmp_path / "disputes.toml").write_text(toml)
    with pytest.raises(SettingError) as raised:
        load_settings(environ, cwd=tmp_path)
    assert raised.value.variable == variable


def test_the_product_description_names_the_seller_where_known() -> None:
    assert seller_product(MerchantIdentity()) is None
    described = MerchantIdentity(product_description="Logo design subscriptions")
    assert seller_product(described) == "Logo design subscriptions"
    named = MerchantIdentity(
        name="Acme", website="acme.example", product_description="Logo design subscriptions"
    )
    assert seller_product(named) == "Acme (acme.example): Logo design subscriptions"
