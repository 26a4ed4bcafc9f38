"""Look inside the vector store (embedded, or the Qdrant server at QDRANT_URL).

python -m tools.qdrant_inspect list-collections
python -m tools.qdrant_inspect collection-stats NAME
python -m tools.qdrant_inspect sample NAME [--limit N] [--with-vectors]
python -m tools.qdrant_inspect search NAME --query TEXT [--limit K] [--author NAME]
Every command takes --json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # also runnable as `python tools/qdrant_inspect.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import click

from llm_engineering.domain.base.vector import VectorBaseDocument, author_filter
from llm_engineering.domain.base.vector_store import DENSE_VECTOR, SPARSE_VECTOR, VectorStore
from llm_engineering.infrastructure.bootstrap import bootstrap, get_vector_store


def _store() -> VectorStore:
    bootstrap()
    return get_vector_store()


def _document_class(name: str) -> type[VectorBaseDocument]:
    bootstrap()
    import llm_engineering.domain.cleaned_documents  # noqa: F401 - registers the collections
    import llm_engineering.domain.embedded_chunks  # noqa: F401

    try:
        document_class = VectorBaseDocument.collection_name_to_class(name)
    except Exception as error:
        raise click.BadParameter(str(error)) from None
    if not document_class.collection_exists():
        raise click.BadParameter(f"Collection {name!r} does not exist yet (run the feature pipeline)")
    return document_class


def _emit(data: Any, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, indent=2, default=str) if as_json else text)


def _short(document: VectorBaseDocument, with_vectors: bool = False) -> dict[str, Any]:
    data = document.model_dump(mode="json", exclude={"embedding", "sparse_embedding"})
    if with_vectors and getattr(document, "embedding", None) is not None:
        data["embedding"] = document.embedding
        data["sparse_terms"] = len(document.sparse_embedding.indices) if document.sparse_embedding else 0
    if document.score is not None:
        data["score"] = round(document.score, 4)
    return data


@click.group(help=__doc__)
def main() -> None:
    pass


@main.command("list-collections")
@click.option("--json", "as_json", is_flag=True)
def list_collections(as_json: bool) -> None:
    store = _store()
    rows = [{"name": name, "points": store.count(name)} for name in store.list_collections()]
    _emit(rows, as_json, "\n".join(f"{r['name']:<24} {r['points']:>8} points" for r in rows) or "(no collections)")


@main.command("collection-stats")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
def collection_stats(name: str, as_json: bool) -> None:
    document_class = _document_class(name)
    info = _store().describe(name)
    authors: dict[str, int] = {}
    documents: set[str] = set()
    for document in document_class.iter_all(page_size=512):
        author = getattr(document, "author_full_name", "?")
        authors[author] = authors.get(author, 0) + 1
        documents.add(str(getattr(document, "document_id", document.id)))
    stats = {
        "name": name,
        "points": info.points,
        "documents": len(documents),
        "points_per_author": authors,
        "dense_vectors": {DENSE_VECTOR: {"size": info.dense_size, "distance": info.distance}}
        if info.dense_size
        else {},
        "sparse_vectors": [SPARSE_VECTOR] if info.sparse else [],
    }
    text = "\n".join(f"{key}: {value}" for key, value in stats.items())
    _emit(stats, as_json, text)


@main.command()
@click.argument("name")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(min=1))
@click.option("--with-vectors", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
def sample(name: str, limit: int, with_vectors: bool, as_json: bool) -> None:
    document_class = _document_class(name)
    documents, _ = document_class.bulk_find(limit=limit, with_vectors=with_vectors)
    rows = [_short(document, with_vectors) for document in documents]
    lines = []
    for row in rows:
        preview = " ".join(str(row.get("content", "")).split())[:160]
        extra = f" dense[{len(row['embedding'])}] sparse[{row['sparse_terms']}]" if "embedding" in row else ""
        lines.append(f"{row['id']}  {row.get('author_full_name', '')}{extra}\n    {preview}")
    _emit(rows, as_json, "\n".join(lines) or "(empty)")


@main.command()
@click.argument("name")
@click.option("--query", required=True, help="Text to search for (dense, cosine).")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(min=1))
@click.option("--author", default=None, help="Only chunks of this author (full name).")
@click.option("--json", "as_json", is_flag=True)
def search(name: str, query: str, limit: int, author: str | None, as_json: bool) -> None:
    document_class = _document_class(name)
    if not document_class.uses_vectors():
        raise click.BadParameter(f"{name!r} has no vectors; search an embedded_* collection")
    query_filter = author_filter(_author_id(document_class, author)) if author else None
    from llm_engineering.application.networks.embeddings import get_embedding_model

    vector = get_embedding_model().embed([query])[0].tolist()
    hits = document_class.search(vector, limit=limit, query_filter=query_filter)
    rows = [_short(hit) for hit in hits]
    lines = [
        f"{row['score']:.4f}  {row.get('author_full_name', '')}  {row.get('link', '')}\n"
        f"    {' '.join(str(row.get('content', '')).split())[:200]}"
        for row in rows
    ]
    _emit(rows, as_json, "\n".join(lines) or "(no hits)")


def _author_id(document_class: type[VectorBaseDocument], full_name: str) -> str:
    """Author name -> id through the one author resolver (full or unambiguous last name)."""
    from llm_engineering.application.rag.authors import AuthorDirectory, UnknownAuthor

    try:
        return AuthorDirectory(ttl_s=0).resolve(full_name).id
    except UnknownAuthor as error:
        raise click.BadParameter(str(error)) from None


if __name__ == "__main__":
    main()
