"""The ETL run's report: per-link outcomes (link, crawler, outcome, reason, characters stored) and run metadata."""

from __future__ import annotations

from html import escape
from typing import Any

from llm_engineering.application.reports.html import Raw, page, table, tag

OUTCOME_CLASS = {"saved": "ok", "refreshed": "ok", "already present": "warn", "failed": "bad"}


def run_status(summary: dict[str, Any]) -> str:
    """'completed', 'completed with failures' or 'failed' (every link failed)."""
    if summary["links"] and summary["failed"] == summary["links"]:
        return "failed"
    return "completed with failures" if summary["failed"] else "completed"


def etl_run_metadata(summary: dict[str, Any], user_full_name: str) -> dict[str, Any]:
    """The figures shown on the run's Metadata tab."""
    return {
        "status": run_status(summary),
        "user": user_full_name,
        "links": summary["links"],
        "saved": summary["saved"],
        "already_present": summary["already present"],
        "refreshed": summary["refreshed"],
        "failed": summary["failed"],
        "characters_stored": sum(r.get("characters", 0) for r in summary["results"]),
        "per_domain": summary["per_domain"],
        "failures": {r["link"]: r["reason"] for r in summary["results"] if r["outcome"] == "failed"},
        # e.g. a refresh that kept the stored copy because the new one looked truncated
        "kept_on_refresh": {
            r["link"]: r["reason"] for r in summary["results"] if r.get("reason") and r["outcome"] != "failed"
        },
    }


def etl_report_html(summary: dict[str, Any], user_full_name: str) -> str:
    status = run_status(summary)
    lead = (
        f"{user_full_name}: {summary['links']} link(s), {summary['saved']} saved, "
        f"{summary['already present']} already present, {summary['refreshed']} refreshed, "
        f"{summary['failed']} failed. Run {status}."
    )
    links = table(
        ("link", "crawler", "outcome", "reason", "characters stored", "attempts", "seconds"),
        (
            (
                Raw(f"<code>{escape(r['link'])}</code>"),
                r["crawler"],
                tag(OUTCOME_CLASS.get(r["outcome"], ""), r["outcome"]),
                Raw(f'<span class="reason">{escape(r.get("reason") or "")}</span>'),
                f"{r.get('characters', 0):,}",
                r.get("attempts", 0),
                f"{r.get('seconds', 0.0):.2f}",
            )
            for r in summary["results"]
        ),
        numeric=(4, 5, 6),
    )
    columns = ("saved", "already present", "refreshed", "failed")
    domains = table(
        ("domain", *columns),
        ((domain, *(counts[c] for c in columns)) for domain, counts in sorted(summary["per_domain"].items())),
        numeric=(1, 2, 3, 4),
    )
    return page("digital_data_etl: links", f"<h2>Per link</h2>{links}<h2>Per domain</h2>{domains}", lead)
