"""The person whose links are crawled: found or created atomically by name."""

from __future__ import annotations

from typing import Annotated

from zenml import log_metadata, step

from llm_engineering.application.rag.authors import get_or_create_user as find_or_create_user
from llm_engineering.domain.documents import UserDocument
from llm_engineering.domain.exceptions import ImproperlyConfigured


def split_user_full_name(user_full_name: str) -> tuple[str, str]:
    """'Ada Quill' -> ('Ada', 'Quill'); 'Ada Lovelace King' -> ('Ada', 'Lovelace King'); 'Plato' -> ('Plato', '')."""
    names = user_full_name.split()
    if not names:
        raise ImproperlyConfigured("user_full_name is empty: say whose links these are")
    return names[0], " ".join(names[1:])


@step(enable_cache=False)
def get_or_create_user(user_full_name: str) -> Annotated[UserDocument, "user"]:
    split_user_full_name(user_full_name)  # a clear error for an empty name
    user = find_or_create_user(user_full_name)  # "ada quill" finds "Ada Quill"
    log_metadata(metadata={"user_id": str(user.id), "first_name": user.first_name, "last_name": user.last_name})
    return user
