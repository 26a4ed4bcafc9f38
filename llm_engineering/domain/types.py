from enum import StrEnum


class DataCategory(StrEnum):
    """Kinds of content; values double as collection-name stems."""

    ARTICLES = "articles"
    POSTS = "posts"
    REPOSITORIES = "repositories"
    USERS = "users"
    PROMPT = "prompt"
    QUERIES = "queries"
