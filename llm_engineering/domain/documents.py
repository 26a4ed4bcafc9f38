"""Raw documents of the data warehouse (MongoDB), compatible with the reference project's backups."""

from __future__ import annotations

from abc import ABC

from pydantic import UUID4, Field, model_validator
from pymongo import ASCENDING, IndexModel

from llm_engineering.domain.base import NoSQLBaseDocument
from llm_engineering.domain.types import DataCategory

# One document per link, enforced by the database so overlapping crawls never duplicate.
UNIQUE_LINK = IndexModel([("link", ASCENDING)], unique=True, name="unique_link")


def user_name_key(full_name: str) -> str:
    """The form user names are unique in: "ada  quill" and "Ada Quill" are one user."""
    return " ".join(full_name.casefold().split())


class UserDocument(NoSQLBaseDocument):
    first_name: str
    last_name: str
    # Derived from the name on every load and save; a unique index makes names unique case-insensitively.
    name_key: str = ""

    class Settings:
        name = DataCategory.USERS.value
        indexes = [
            IndexModel([("first_name", ASCENDING), ("last_name", ASCENDING)], unique=True, name="unique_name"),
            IndexModel(
                [("name_key", ASCENDING)],
                unique=True,
                name="unique_name_key",
                partialFilterExpression={"name_key": {"$type": "string"}},
            ),
        ]

    @model_validator(mode="after")
    def _derive_name_key(self) -> UserDocument:
        self.name_key = user_name_key(self.full_name)
        return self

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Document(NoSQLBaseDocument, ABC):
    content: dict
    platform: str
    author_id: UUID4 = Field(alias="author_id")
    author_full_name: str = Field(alias="author_full_name")


class RepositoryDocument(Document):
    name: str
    link: str

    class Settings:
        name = DataCategory.REPOSITORIES.value
        indexes = [UNIQUE_LINK]


class PostDocument(Document):
    image: str | None = None
    link: str | None = None

    class Settings:
        name = DataCategory.POSTS.value
        # Posts may have no link; only documents that have one are constrained.
        indexes = [
            IndexModel(
                [("link", ASCENDING)],
                unique=True,
                name="unique_link",
                partialFilterExpression={"link": {"$type": "string"}},
            )
        ]


class ArticleDocument(Document):
    link: str

    class Settings:
        name = DataCategory.ARTICLES.value
        indexes = [UNIQUE_LINK]


RAW_DOCUMENT_CLASSES: tuple[type[Document], ...] = (ArticleDocument, PostDocument, RepositoryDocument)
