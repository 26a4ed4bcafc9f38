"""digital_data_etl: a person's links -> raw documents in the warehouse (MongoDB)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import yaml
from loguru import logger
from zenml import pipeline

from llm_engineering.application.crawlers import CrawlerDispatcher, MalformedLink, validate_links
from llm_engineering.domain.exceptions import ImproperlyConfigured
from steps.etl import crawl_links, get_or_create_user

PARAMETERS = {
    "user_full_name",
    "links",
    "crawler_hosts",
    "allow_private_networks",
    "refresh",
    "retry_attempts",
    "retry_initial_wait_s",
}


@pipeline(enable_cache=False)
def digital_data_etl(
    user_full_name: str,
    links: list[str],
    crawler_hosts: dict[str, list[str]] | None = None,
    refresh: bool = False,
    retry_attempts: int = 3,
    retry_initial_wait_s: float = 1.0,
    allow_private_networks: bool = False,
) -> str:
    user = get_or_create_user(user_full_name)
    summary = crawl_links(
        user=user,
        links=links,
        crawler_hosts=crawler_hosts,
        refresh=refresh,
        retry_attempts=retry_attempts,
        retry_initial_wait_s=retry_initial_wait_s,
        allow_private_networks=allow_private_networks,
    )
    return summary.invocation_id


def load_etl_config(config_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(parameters, the rest of the ZenML run config), both checked before anything runs."""
    try:
        config = yaml.safe_load(Path(config_path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ImproperlyConfigured(f"{config_path} is not valid YAML: {error}") from None
    if not isinstance(config, dict) or not isinstance(config.get("parameters"), dict):
        raise ImproperlyConfigured(f"{config_path}: expected a mapping with a 'parameters:' section")
    parameters = dict(config.pop("parameters"))
    unknown = set(parameters) - PARAMETERS
    if unknown:
        raise ImproperlyConfigured(f"{config_path}: unknown parameters {sorted(unknown)} (known: {sorted(PARAMETERS)})")
    if not isinstance(parameters.get("user_full_name"), str) or not parameters["user_full_name"].strip():
        raise ImproperlyConfigured(f"{config_path}: parameters.user_full_name must name a person")
    links = parameters.get("links")
    if not isinstance(links, list) or not links:
        raise ImproperlyConfigured(f"{config_path}: parameters.links must be a non-empty list of URLs")
    try:
        validate_links(links)
    except MalformedLink as error:
        raise ImproperlyConfigured(f"{config_path}: {error}") from None
    hosts = parameters.get("crawler_hosts") or {}
    if not isinstance(hosts, dict):
        raise ImproperlyConfigured(f"{config_path}: parameters.crawler_hosts must map crawler names to host lists")
    if not isinstance(parameters.get("allow_private_networks", False), bool):
        raise ImproperlyConfigured(f"{config_path}: parameters.allow_private_networks must be true or false")
    CrawlerDispatcher(hosts, factories=None)  # raises ImproperlyConfigured on an unknown crawler or bad host
    return parameters, config


def run_digital_data_etl(config_path: Path, refresh: bool = False, run_name: str | None = None) -> int:
    """Run the pipeline from a YAML config; returns how many links failed (after printing a summary)."""
    parameters, zenml_config = load_etl_config(config_path)
    parameters["refresh"] = bool(refresh or parameters.get("refresh", False))
    options: dict[str, Any] = {"enable_cache": False}
    if run_name:
        options["run_name"] = run_name
    with tempfile.TemporaryDirectory(prefix="moodswarm-etl-config-") as folder:
        if zenml_config:  # the run config's other settings still apply; parameters are passed explicitly
            rest = Path(folder) / "run_config.yaml"
            rest.write_text(yaml.safe_dump(zenml_config), encoding="utf-8")
            options["config_path"] = str(rest)
        run = digital_data_etl.with_options(**options)(**parameters)
    summary = _crawl_summary(run)
    print_summary(summary)
    return int(summary["failed"])


def _crawl_summary(run: Any) -> dict[str, Any]:
    from zenml.client import Client

    run = Client().get_pipeline_run(run.id)
    return run.steps["crawl_links"].output.load()


def print_summary(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="digital_data_etl")
    for column in ("domain", "saved", "already present", "refreshed", "failed"):
        table.add_column(column, justify="left" if column == "domain" else "right")
    for domain, counts in sorted(summary["per_domain"].items()):
        table.add_row(domain, *(str(counts[c]) for c in ("saved", "already present", "refreshed", "failed")))
    console = Console(stderr=True)
    console.print(table)
    for result in summary["results"]:
        if result["outcome"] == "failed":
            console.print(f"[red]failed[/red] {result['link']}: {result['reason']}")
        elif result["reason"]:  # e.g. a refresh that kept the stored copy
            console.print(f"[yellow]{result['outcome']}[/yellow] {result['link']}: {result['reason']}")
    console.print(
        f"{summary['links']} link(s): {summary['saved']} saved, {summary['already present']} already present, "
        f"{summary['refreshed']} refreshed, {summary['failed']} failed"
    )
    logger.info("ETL summary: {}", {k: v for k, v in summary.items() if k not in ("results", "per_domain")})
