"""``example_crm``: the customer's support conversations, from a CRM's JSON API.

```toml
[evidence_sources.example_crm]
base_url = "https://crm.example.com/api"
api_token_env = "EXAMPLE_CRM_TOKEN"   # the token itself stays in the environment
```

``GET {base_url}/customers?email=…`` → ``{"customers": [{"id", "since", "plan"}]}`` and
``GET {base_url}/customers/{id}/conversations`` → ``{"conversations": [{"at", "channel",
"summary"}]}``.
"""

from __future__ import annotations

import os

import httpx

from engine.errors import SettingError
from engine.plugins.sources import Contribution, EvidenceContext, EvidenceSource, Section
from engine.settings import Settings

SECTION = "[evidence_sources.example_crm]"


class ExampleCrmSource(EvidenceSource):
    name = "example_crm"
    timeout_seconds = 20.0

    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token

    @classmethod
    def from_settings(cls, settings: Settings) -> ExampleCrmSource | None:
        config = settings.section("evidence_sources", "example_crm")
        if not config:
            return None  # not configured: the engine records the source as "off"
        base_url = config.get("base_url")
        if not isinstance(base_url, str) or not base_url.startswith(("https://", "http://")):
            raise SettingError(f"{SECTION} base_url", "must be an http(s) URL")
        token_env = config.get("api_token_env", "EXAMPLE_CRM_TOKEN")
        token = os.environ.get(str(token_env))
        if not token:
            raise SettingError(str(token_env), "is not set (the CRM API token)")
        return cls(base_url, token)

    def contribute(self, context: EvidenceContext) -> Contribution:
        email = context.dispute.customer_email or context.provider_facts.get("customer_email")
        if not email:
            return Contribution()
        headers = {"Authorization": f"Bearer {self.token}"}
        # Stay inside the engine's timeout: a hung CRM must fail this source, not the worker.
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=10) as client:
            found = client.get("/customers", params={"email": email})
            found.raise_for_status()
            customers = found.json().get("customers", [])
            if not customers:
                return Contribution()
            customer = customers[0]
            answer = client.get(f"/customers/{customer['id']}/conversations")
            answer.raise_for_status()
            conversations = answer.json().get("conversations", [])
        facts = {
            "customer_since": str(customer.get("since", "")),
            "crm_plan": str(customer.get("plan", "")),
        }
        rows = tuple(
            (str(item.get("at", "")), str(item.get("channel", "")), str(item.get("summary", "")))
            for item in conversations
        )
        sections = (
            (Section(title="Support conversations", rows=(("when", "channel", "summary"), *rows)),)
            if rows
            else ()
        )
        return Contribution(facts={k: v for k, v in facts.items() if v}, sections=sections)
