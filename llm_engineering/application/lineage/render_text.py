"""A document's lineage for the terminal (rich): the same five stages as the HTML page."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from llm_engineering.application.lineage.trace import DocumentLineage

SHOWN_EDITS = 12


def print_lineage(lineage: DocumentLineage, console: Console | None = None, token_limit: int = 256) -> None:
    console = console or Console()
    console.rule(f"[bold]{lineage.link}")
    console.print(f"by {lineage.author} ({lineage.platform})", highlight=False)
    for note in lineage.notes:
        console.print(f"[yellow]{note}[/yellow]", highlight=False)

    console.print(f"\n[bold]1. Warehouse[/bold]  {lineage.collection} id {lineage.document_id}", highlight=False)
    console.print("   " + ", ".join(f"{field}: {size:,} chars" for field, size in lineage.raw_fields.items()))

    console.print(
        f"\n[bold]2. Cleaned[/bold]  {len(lineage.raw_text):,} -> {len(lineage.cleaned_text):,} chars, "
        f"{len(lineage.edits)} edit(s), {lineage.removed_characters:,} chars removed; hash {lineage.content_hash[:16]}",
        highlight=False,
    )
    edits = Table("removed", "replaced by", show_lines=False, box=None, padding=(0, 2))
    for edit in lineage.edits[:SHOWN_EDITS]:
        edits.add_row(_short(edit.removed), _short(edit.added))
    if lineage.edits:
        console.print(edits)
    if len(lineage.edits) > SHOWN_EDITS:
        console.print(f"   ... {len(lineage.edits) - SHOWN_EDITS} more (see --html for the side-by-side view)")

    console.print(
        f"\n[bold]3. Chunks[/bold]  {len(lineage.chunks)}, at most {token_limit} tokens each", highlight=False
    )
    chunks = Table("#", "tokens", "characters", "overlap", "starts with", box=None, padding=(0, 2))
    for chunk in lineage.chunks:
        chunks.add_row(
            str(chunk.index),
            str(chunk.token_count),
            f"{chunk.start:,}-{chunk.end:,}",
            f"{chunk.new_text_start - chunk.start:,}",
            _short(chunk.text, 50),
        )
    console.print(chunks)

    console.print(f"\n[bold]4. Stored points[/bold]  {len(lineage.points)}", highlight=False)
    if lineage.points:
        points = Table("#", "point id", "collection", "dense dims/norm", "BM25 terms/norm", "= recomputed", box=None)
        for point in lineage.points:
            points.add_row(
                str(point.chunk_index),
                point.chunk_id,
                point.collection,
                f"{point.dense_dimensions}/{point.dense_norm}",
                f"{point.sparse_terms}/{point.sparse_norm}",
                "yes" if point.matches_recomputed_chunk else "[red]no[/red]",
            )
        console.print(points)
        console.print(f"   payload keys: {', '.join(sorted(lineage.points[0].payload))}", highlight=False)

    if lineage.query:
        console.print(f"\n[bold]5. Where it ranks[/bold]  for {lineage.query!r}", highlight=False)
        mine = [hit for hit in lineage.ranking if hit.mine]
        if not mine:
            console.print(f"   not in the top {len(lineage.ranking)} hits")
        for hit in mine:
            score = "" if hit.score is None else f" (score {hit.score:.4f})"
            console.print(f"   rank {hit.rank}{score}: chunk {hit.chunk_id}", highlight=False)


def _short(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
