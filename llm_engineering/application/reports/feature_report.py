"""The feature pipeline run's report: what was embedded, what was skipped or pruned, and how long each stage took.

Pictures: the token count of every chunk embedded in this run, per category, against the model's limit, and
documents and chunks per author. Figures other steps publish (pruned, re-embedded, re-attributed) are included
when the run has them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from llm_engineering.application.reports.html import page, table
from llm_engineering.application.reports.svg_charts import PALETTE, grouped_bars, histogram

# (step, metadata key, label): figures of the run, read from whichever step published them.
RUN_FIGURES = (
    ("clean_documents", "documents", "documents read"),
    ("clean_documents", "changed_or_new", "documents changed or new"),
    ("clean_documents", "skipped_unchanged", "skipped (unchanged)"),
    ("clean_documents", "new", "new"),
    ("clean_documents", "re_embedded", "re-embedded"),
    ("clean_documents", "re_attributed", "re-attributed"),
    ("reconcile_feature_store", "pruned_documents", "pruned documents"),
    ("reconcile_feature_store", "pruned_chunks", "pruned chunks"),
    ("chunk_and_embed", "chunks", "chunks"),
    ("chunk_and_embed", "embeddings", "embeddings"),
)
TOKENIZE_BATCH = 512

# texts -> token ids per text (special tokens included), and the id of [UNK]
Tokenizer = Callable[[list[str]], list[list[int]]]


@dataclass
class ChunkFacts:
    tokens_by_category: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    per_author: dict[str, dict[str, int]] = field(default_factory=dict)
    total_tokens: int = 0
    unk_tokens: int = 0

    @property
    def chunks(self) -> int:
        return sum(len(counts) for counts in self.tokens_by_category.values())

    @property
    def unk_share(self) -> float:
        return round(self.unk_tokens / self.total_tokens, 6) if self.total_tokens else 0.0


def collect_chunk_facts(
    embedded_records: Iterable[dict[str, Any]], tokenize: Tokenizer | None = None, unk_id: int | None = None
) -> ChunkFacts:
    """Facts of an embedded-chunks stream (one record per document); [UNK] counted when a tokenizer is given."""
    facts = ChunkFacts()
    pending: list[str] = []

    def count_unknown() -> None:
        if tokenize is not None and pending:
            for ids in tokenize(pending):
                facts.total_tokens += len(ids)
                facts.unk_tokens += sum(1 for token in ids if token == unk_id)
        pending.clear()

    for record in embedded_records:
        chunks = record.get("chunks", [])
        if not chunks:
            continue
        author = chunks[0].get("author_full_name", "?")
        figures = facts.per_author.setdefault(author, {"documents": 0, "chunks": 0})
        figures["documents"] += 1
        figures["chunks"] += len(chunks)
        for chunk in chunks:
            facts.tokens_by_category[record["category"]].append(int(chunk.get("metadata", {}).get("token_count", 0)))
            pending.append(chunk["content"])
        if len(pending) >= TOKENIZE_BATCH:
            count_unknown()
    count_unknown()
    return facts


def feature_run_metadata(
    facts: ChunkFacts, step_metadata: dict[str, dict[str, Any]], durations_s: dict[str, float], limit: int
) -> dict[str, Any]:
    figures = {
        key: step_metadata[step][key]
        for step, key, _ in RUN_FIGURES
        if step in step_metadata and isinstance(step_metadata[step].get(key), int)
    }
    all_tokens = [count for counts in facts.tokens_by_category.values() for count in counts]
    return {
        **figures,
        "chunks_embedded": facts.chunks,
        "tokens": sum(all_tokens),
        "max_tokens_per_chunk": max(all_tokens, default=0),
        "chunks_over_limit": sum(1 for count in all_tokens if count > limit),
        "token_limit": limit,
        "unk_share": facts.unk_share,
        "documents_and_chunks_per_author": facts.per_author,
        "seconds_per_stage": {name: round(seconds, 2) for name, seconds in durations_s.items()},
    }


def feature_report_html(facts: ChunkFacts, metadata: dict[str, Any], limit: int) -> str:
    lead = (
        f"{metadata.get('documents', '?')} document(s) read, {metadata.get('skipped_unchanged', 0)} skipped unchanged; "
        f"{facts.chunks} chunk(s) embedded, {metadata['tokens']:,} tokens, [UNK] {facts.unk_share:.3%} of tokens; "
        f"{metadata['chunks_over_limit']} chunk(s) over the {limit}-token limit."
    )
    sections = ["<h2>Tokens per chunk, per category</h2>"]
    if facts.chunks:
        for index, (category, counts) in enumerate(sorted(facts.tokens_by_category.items())):
            chart = histogram(counts, limit, title=f"{category}: {len(counts)} chunk(s)", color=PALETTE[index])
            sections.append(f"<figure>{chart}<figcaption>max {max(counts)} of {limit} tokens</figcaption></figure>")
    else:
        sections.append("<p>No chunk was embedded in this run: every document was unchanged.</p>")
    sections.append("<h2>Documents and chunks per author (this run)</h2>")
    if facts.per_author:
        rows = [(author, (f["documents"], f["chunks"])) for author, f in sorted(facts.per_author.items())]
        sections.append(f"<figure>{grouped_bars(rows, ('documents', 'chunks'))}</figure>")
    labels = {key: label for _, key, label in RUN_FIGURES}
    sections.append("<h2>Processed, skipped and pruned</h2>")
    sections.append(
        table(("figure", "count"), ((labels[k], metadata[k]) for k in labels if k in metadata), numeric=(1,))
    )
    sections.append("<h2>Seconds per stage</h2>")
    sections.append(table(("step", "seconds"), sorted(metadata["seconds_per_stage"].items()), numeric=(1,)))
    return page("feature_engineering: report", "".join(sections), lead)
