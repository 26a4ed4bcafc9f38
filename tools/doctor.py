"""Compare the warehouse with the feature store: `python -m tools.doctor [--json]`.

Reports missing, stale, orphaned, wrong-author and wrong-model documents and chunks, with examples;
exit status 1 when anything is found. `python -m tools.run --run-feature-engineering` fixes the first
four; `--full-rebuild` fixes the last.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # also runnable as `python tools/doctor.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click

from llm_engineering.domain.exceptions import LLMTwinException

REMEDIES = {
    "missing": "python -m tools.run --run-feature-engineering",
    "stale": "python -m tools.run --run-feature-engineering",
    "orphaned": "python -m tools.run --run-feature-engineering",
    "wrong_author": "python -m tools.run --run-feature-engineering",
    "wrong_model": "python -m tools.run --run-feature-engineering --full-rebuild",
}


@click.command(help=__doc__)
@click.option("--json", "as_json", is_flag=True, default=False, help="Machine-readable output.")
@click.option("--examples", default=10, show_default=True, help="Examples listed per finding.")
def main(as_json: bool, examples: int) -> None:
    from llm_engineering.application.preprocessing.consistency import check_feature_store
    from llm_engineering.infrastructure.db.clients import close_all

    try:
        report = check_feature_store(max_examples=examples)
    except LLMTwinException as error:
        raise click.ClickException(str(error)) from None
    finally:
        close_all()
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        checked = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in report.checked.items())
        click.echo(f"Checked {checked}.")
        for kind, count in report.counts.items():
            click.echo(f"{kind:>13}: {count}" + (f"   fix: {REMEDIES[kind]}" if count else ""))
            for example in report.examples[kind]:
                click.echo(f"{'':>15}{example['collection']} {example['id']}: {example['detail']}")
        click.echo("OK: the feature store matches the warehouse." if report.ok else "Inconsistent: see above.")
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
