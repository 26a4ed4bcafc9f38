"""digital_data_etl: a person's links -> raw documents in the warehouse (MongoDB)."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from loguru import logger
from zenml import pipeline

from llm_engineering.application.crawlers import CrawlerDispatcher, MalformedLink, validate_links
from llm_engineering.domain.exceptions import ImproperlyConfigured, LLMTwinException
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
    run_name = run_name or f"digital_data_etl_{datetime.now():%Y_%m_%d_%H_%M_%S_%f}"
    options: dict[str, Any] = {"enable_cache": False, "run_name": run_name}
    with tempfile.TemporaryDirectory(prefix="moodswarm-etl-config-") as folder:
        if zenml_config:  # the run config's other settings still apply; parameters are passed explicitly
            rest = Path(folder) / "run_config.yaml"
            rest.write_text(yaml.safe_dump(zenml_config), encoding="utf-8")
            options["config_path"] = str(rest)
        try:
            digital_data_etl.with_options(**options)(**parameters)
        except Exception:  # the run failed (red in the dashboard): report what the crawl step recorded
            summary = _crawl_summary(run_name)
            if summary is None:
                raise
        else:
            summary = _crawl_summary(run_name)
    if summary is None:
        raise LLMTwinException(f"ETL run {run_name} recorded no crawl summary")
    print_summary(summary)
    return int(summary["failed"])


def _crawl_summary(run_name: str) -> dict[str, Any] | None:
    """The crawl step's output, or (when every link failed and the step failed) its metadata."""
    from zenml.client import Client
    from zenml.enums import ExecutionStatus

    step = Client().get_pipeline_run(run_name).steps.get("crawl_links")
    if step is None:
        return None
    if step.status == ExecutionStatus.COMPLETED:
        return step.outputs["crawl_summary"][0].load()  # the step also saves its HTML report
    metadata = step.run_metadata
    if "failures" not in metadata:
        return None
    failures = metadata["failures"]
    counts = {"links": metadata["links"], "saved": metadata["saved"], "already present": metadata["already_present"]}
    return {
        **counts,
        "refreshed": metadata["refreshed"],
        "failed": metadata["failed"],
        "per_domain": metadata["per_domain"],
        "results": [{"link": link, "outcome": "failed", "reason": reason} for link, reason in failures.items()],
    }


def print_summary(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="digital_data_etl")
    for column in ("domain", "saved", "already present", "refreshed", "failed"):
        table.add_column(column, justify="left" if column == "domain" else "right")
    for domain, counts in sorted(summary["per_domain"].items()):
        table.add_row(domain, *(str(counts[c]) for c in ("saved", "already present", "refreshed", "failed")))
    console = Console(stderr=True)  # colours only on a terminal
    console.print(table)
    for result in summary["results"]:  # one line per failure, at the end
        if result["outcome"] == "failed":
            console.print(f"[red]failed[/red] {result['link']}: {result['reason']}", highlight=False, soft_wrap=True)
        elif result["reason"]:  # e.g. a refresh that kept the stored copy
            console.print(
                f"[yellow]{result['outcome']}[/yellow] {result['link']}: {result['reason']}",
                highlight=False,
                soft_wrap=True,
            )
    console.print(
        f"{summary['links']} link(s): {summary['saved']} saved, {summary['already present']} already present, "
        f"{summary['refreshed']} refreshed, {summary['failed']} failed"
    )
    logger.debug("ETL summary: {}", {k: v for k, v in summary.items() if k not in ("results", "per_domain")})
