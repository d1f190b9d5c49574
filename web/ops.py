"""The operator's commands: ``disputes doctor`` and ``disputes setup-webhook``. The checks and
the registration are the engine's (``engine.health.doctor``, ``engine.intake.registration``);
this module only prints them."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from engine.health.checks import Check, Verdict
from engine.health.doctor import examine, exit_code
from engine.intake.registration import register_webhook
from engine.runtime import Runtime
from engine.settings import load_settings

RESULTS = {
    Verdict.OK: "ok",
    Verdict.FAILED: "FAILED",
    Verdict.MISCONFIGURED: "BAD SETTING",
    Verdict.SKIPPED: "skipped",
}


def doctor(args: argparse.Namespace) -> int:
    runtime = Runtime(load_settings())
    try:
        checks = examine(runtime)
    finally:
        runtime.close()
    print(table(checks))
    code = exit_code(checks)
    print(_summary(checks))
    return code


def table(checks: Sequence[Check]) -> str:
    """Three aligned columns, one line per check."""
    rows = [("check", "result", "detail")] + [
        (check.name, RESULTS[check.verdict], check.detail) for check in checks
    ]
    name_width = max(len(row[0]) for row in rows)
    result_width = max(len(row[1]) for row in rows)
    return "\n".join(
        f"{name:<{name_width}}  {result:<{result_width}}  {detail}".rstrip()
        for name, result, detail in rows
    )


def _summary(checks: Sequence[Check]) -> str:
    settings = sum(check.verdict is Verdict.MISCONFIGURED for check in checks)
    failed = sum(check.verdict is Verdict.FAILED for check in checks)
    if settings:
        return f"{settings} setting(s) to fix" + (f", {failed} check(s) failed" if failed else "")
    if failed:
        return f"{failed} check(s) failed"
    return "all checks passed"


def setup_webhook(args: argparse.Namespace) -> int:
    runtime = Runtime(load_settings())
    try:
        registration = register_webhook(runtime, args.provider, args.url)
    finally:
        runtime.close()
    events = len(registration.events)
    if registration.created:
        print(
            f"{args.provider}: created webhook endpoint {registration.endpoint_id} for "
            f"{registration.url} with {events} events"
        )
        if registration.signing_secret:
            print(
                "signing secret (shown only now; set it as DISPUTES_"
                f"{args.provider.upper()}_WEBHOOK_SECRET): {registration.signing_secret}"
            )
    else:
        print(
            f"{args.provider}: updated webhook endpoint {registration.endpoint_id} for "
            f"{registration.url} with {events} events; its signing secret stays the same"
        )
    return 0
