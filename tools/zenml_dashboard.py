"""Start (or `--stop`) the local ZenML dashboard, offline, over MOODSWARM_HOME's store, and print its URL.

python -m tools.zenml_dashboard [--port 8237]      # poe zenml-dashboard
python -m tools.zenml_dashboard --stop             # poe zenml-dashboard-stop

No sign-up survey, analytics off, no news fetched from the internet (see
llm_engineering/infrastructure/zenml_dashboard.py). While it runs, pipeline runs report to it and print
their run's dashboard URL.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click

from llm_engineering.infrastructure.zenml_env import configure_zenml


@click.command(help=__doc__)
@click.option("--stop", "stop_server", is_flag=True, default=False, help="Stop the local dashboard.")
@click.option("--port", default=8237, show_default=True, help="Loopback port of the dashboard.")
def main(stop_server: bool, port: int) -> None:
    configure_zenml()  # before anything imports zenml
    from llm_engineering.infrastructure import zenml_dashboard

    if stop_server:
        code = zenml_dashboard.stop()
        click.echo("ZenML dashboard stopped" if code == 0 else "`zenml logout --local` failed", err=code != 0)
        sys.exit(code)
    try:
        url = zenml_dashboard.start(port)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"ZenML dashboard: {zenml_dashboard.runs_page(url)}")
    click.echo("  MoodSwarm's store, offline, analytics off; pipeline runs report here. Stop: poe zenml-dashboard-stop")


if __name__ == "__main__":
    main()
