"""``python -m tools.mutation``: mutation-test the modules named in a config file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.mutation.runner import load_config, report, run

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG = Path(__file__).with_name("core.toml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.mutation", description=__doc__)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--module", action="append", help="only these modules (repeatable)")
    parser.add_argument("--sample", type=int, default=None, help="mutants per module (seeded)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per test run")
    parser.add_argument("--budget", type=float, default=1800.0, help="seconds for the run")
    parser.add_argument("--fail-under", type=float, default=None, help="exit 1 below this %%")
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    targets, equivalents = load_config(args.config)
    if args.module:
        targets = [t for t in targets if t.module in args.module]
        if not targets:
            parser.error(f"no such module in {args.config}: {args.module}")
    results, untested = run(
        args.root,
        targets,
        equivalents,
        per_module=args.sample,
        seed=args.seed,
        timeout=args.timeout,
        budget=args.budget,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
    )
    print(report(results, untested))
    killed = sum(r.killed for r in results)
    judged = sum(r.tested - r.equivalent for r in results)
    score = 100.0 * killed / judged if judged else 100.0
    return 1 if args.fail_under is not None and score < args.fail_under else 0


if __name__ == "__main__":
    sys.exit(main())
