"""The local ZenML dashboard as MoodSwarm uses it: MoodSwarm's own store, offline, no sign-up survey.

`zenml login --local` starts a daemon server on 127.0.0.1:8237 over the store under MOODSWARM_HOME. Before a
person opens it, the store is prepared: the default user is marked as having finished the onboarding survey
(otherwise the dashboard opens on a three-page form asking for a name and e-mail), e-mail opt-in off, and the
server's analytics, announcements and update notices off (the last two fetch news and images from the internet).
Call `configure_zenml()` before anything here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DEFAULT_PORT = 8237


def _zenml_cli() -> str:
    return str(Path(sys.executable).with_name("zenml"))


def prepare_store() -> None:
    """Idempotent: skip the dashboard's onboarding survey and turn off everything that phones home."""
    from zenml.client import Client
    from zenml.models import ServerSettingsUpdate

    client = Client()
    # Not Client.update_server_settings: it sends every field, and a None server name breaks the SQL store.
    client.zen_store.update_server_settings(
        ServerSettingsUpdate(enable_analytics=False, display_announcements=False, display_updates=False)
    )
    user = client.active_user
    metadata = dict(user.user_metadata or {})
    if user.email_opted_in is None or not metadata.get("finished_onboarding_survey"):
        metadata.update(finished_onboarding_survey=True, awareness_channels=metadata.get("awareness_channels") or [])
        client.update_user(user.id, updated_email_opt_in=False, updated_metadata=metadata)


def start(port: int = DEFAULT_PORT, extra_args: list[str] | None = None) -> str:
    """Start (or keep) the local server and return the dashboard's URL."""
    prepare_store()
    command = [_zenml_cli(), "login", "--local", "--port", str(port), *(extra_args or [])]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"`zenml login --local` failed:\n{result.stdout}{result.stderr}")
    return dashboard_url() or f"http://127.0.0.1:{port}"


def runs_page(base_url: str) -> str:
    """Where a person wants to land: the project's pipeline runs."""
    from zenml.client import Client

    return f"{base_url.rstrip('/')}/projects/{Client().active_project.name}/runs"


def stop() -> int:
    """Stop the local server; pipelines go back to the store's SQLite file directly."""
    # Its output ends with a hint to run `zenml login --local`: MoodSwarm's command is the one to use.
    return subprocess.run([_zenml_cli(), "logout", "--local"], capture_output=True).returncode


def dashboard_url() -> str | None:
    from zenml.utils.server_utils import get_local_server

    server = get_local_server()
    return server.status.url if server and server.status and server.status.url else None
