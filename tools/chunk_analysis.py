"""Check every embedded chunk against the model's token limit (special tokens included).

python -m tools.chunk_analysis [--collection NAME] [--max-tokens 256] [--json]
Exit status 1 when a chunk is over the limit (FAIL).
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

if __package__ in (None, ""):  # also runnable as `python tools/chunk_analysis.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import tools  # noqa: F401 - the package binds the stores (composition root)

import click

from llm_engineering.domain.embedded_chunks import EMBEDDED_CHUNK_CLASSES, EmbeddedChunk

PAGE = 512


def analyse_collection(chunk_class: type[EmbeddedChunk], max_tokens: int) -> dict:
    from llm_engineering.application.networks.embeddings import get_embedding_model

    tokenizer = get_embedding_model().tokenizer
    tokens: list[int] = []
    chars: list[int] = []
    unknown = 0
    for page in _pages(chunk_class):
        encoded = tokenizer([c.content for c in page], add_special_tokens=True, verbose=False)["input_ids"]
        for chunk, ids in zip(page, encoded, strict=True):
            tokens.append(len(ids))
            chars.append(len(chunk.content))
            unknown += sum(1 for token in ids if token == tokenizer.unk_token_id)
    over = sum(1 for count in tokens if count > max_tokens)
    return {
        "collection": chunk_class.get_collection_name(),
        "count": len(tokens),
        "tokens": _summary(tokens),
        "chars": _summary(chars),
        "over_limit": over,
        "total_tokens": sum(tokens),
        "unk_tokens": unknown,
        "unk_share": round(unknown / sum(tokens), 6) if tokens else 0.0,
        "max_tokens": max_tokens,
        "status": "FAIL" if over else "PASS",
    }


def _pages(chunk_class: type[EmbeddedChunk]):  # noqa: ANN202 - generator of pages
    offset = None
    while True:
        page, offset = chunk_class.bulk_find(limit=PAGE, offset=offset)
        if page:
            yield page
        if offset is None:
            return


def _summary(values: list[int]) -> dict[str, float]:
    if not values:
        return {"min": 0, "mean": 0.0, "max": 0}
    return {"min": min(values), "mean": round(statistics.fmean(values), 1), "max": max(values)}


@click.command(help=__doc__)
@click.option("--collection", default=None, help="One embedded collection (default: all of them).")
@click.option("--max-tokens", default=256, show_default=True, type=click.IntRange(min=3))
@click.option("--json", "as_json", is_flag=True, default=False, help="Machine-readable output.")
def main(collection: str | None, max_tokens: int, as_json: bool) -> None:
    names = {cls.get_collection_name(): cls for cls in EMBEDDED_CHUNK_CLASSES}
    if collection is not None and collection not in names:
        raise click.BadParameter(f"{collection!r} is not an embedded collection ({', '.join(names)})")
    chosen = [names[collection]] if collection else list(names.values())
    reports = [analyse_collection(cls, max_tokens) for cls in chosen]
    total_tokens = sum(r["total_tokens"] for r in reports)
    overall = {
        "status": "FAIL" if any(r["status"] == "FAIL" for r in reports) else "PASS",
        "chunks": sum(r["count"] for r in reports),
        "over_limit": sum(r["over_limit"] for r in reports),
        "unk_share": round(sum(r["unk_tokens"] for r in reports) / total_tokens, 6) if total_tokens else 0.0,
    }
    if as_json:
        click.echo(json.dumps({"collections": reports, **overall}, indent=2))
    else:
        for r in reports:
            t, c = r["tokens"], r["chars"]
            click.echo(
                f"{r['collection']:<24} {r['count']:>7} chunks  tokens min/mean/max {t['min']}/{t['mean']}/{t['max']}"
                f"  chars {c['min']}/{c['mean']}/{c['max']}  over {r['over_limit']}"
                f"  [UNK] {r['unk_share']:.4%}  {r['status']}"
            )
        click.echo(
            f"{overall['status']}: {overall['chunks']} chunks, {overall['over_limit']} over {max_tokens} tokens, "
            f"[UNK] {overall['unk_share']:.4%} of tokens"
        )
    sys.exit(1 if overall["status"] == "FAIL" else 0)


if __name__ == "__main__":
    main()
