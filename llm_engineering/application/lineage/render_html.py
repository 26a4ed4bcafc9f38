"""A document's lineage as one self-contained HTML page: inline CSS and a few lines of script, nothing fetched."""

from __future__ import annotations

import json
from html import escape

from llm_engineering.application.lineage.trace import DocumentLineage
from llm_engineering.application.reports.html import STYLE, Raw, table, tag

PAGE_STYLE = """
.flow{display:flex;gap:6px;align-items:stretch;flex-wrap:wrap;margin:12px 0 18px}
.flow a{flex:1;min-width:150px;border:1px solid #d0d7de;border-radius:8px;padding:8px 10px;color:inherit;
  text-decoration:none;background:#f6f8fa}.flow a:hover{border-color:#0969da}
.flow b{display:block;font-size:13px}.flow span{color:#57606a;font-size:12px}.arrow{align-self:center;color:#57606a}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:10px}
.text{white-space:pre-wrap;font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;border:1px solid #d0d7de;
  border-radius:6px;padding:8px;max-height:420px;overflow:auto;background:#fff}
del{background:#ffebe9;color:#82071e}ins{background:#dafbe1;color:#116329;text-decoration:none}
.chunk{border-radius:3px;cursor:pointer}.c0{background:#ddf4ff}.c1{background:#fff8c5}
.chunk.active{outline:2px solid #cf222e;background:#ffd8b5}
tr.pick{cursor:pointer}tr.pick:hover td{background:#f6f8fa}tr.active td{background:#ffd8b5}
.bar{display:inline-block;height:8px;background:#0969da;border-radius:2px;vertical-align:middle}
.mine td{background:#dafbe1}details pre{margin:4px 0;font-size:11px;white-space:pre-wrap}
.note{color:#9a6700}
"""

# Clicking a chunk (in the table or in the text) outlines it in both places.
SCRIPT = """
document.addEventListener('click', function (event) {
  var target = event.target.closest('[data-chunk]');
  if (!target) return;
  var index = target.getAttribute('data-chunk');
  document.querySelectorAll('.active').forEach(function (el) { el.classList.remove('active'); });
  document.querySelectorAll('[data-chunk="' + index + '"]').forEach(function (el) { el.classList.add('active'); });
  var span = document.querySelector('.chunk[data-chunk="' + index + '"]');
  if (span && target.tagName === 'TR') span.scrollIntoView({block: 'nearest'});
});
"""


def lineage_html(lineage: DocumentLineage, token_limit: int = 256) -> str:
    title = f"Data save flow: {lineage.link}"
    body = [
        _flow(lineage),
        *(f'<p class="note">{escape(note)}</p>' for note in lineage.notes),
        _raw_section(lineage),
        _cleaning_section(lineage),
        _chunks_section(lineage, token_limit),
        _points_section(lineage),
        _ranking_section(lineage),
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}{PAGE_STYLE}</style></head><body>"
        f'<h1>Data save flow</h1><p class="lead">One document followed from the warehouse to a search result: '
        f"<code>{escape(lineage.link)}</code> by {escape(lineage.author)} ({escape(lineage.platform)}).</p>"
        f"{''.join(body)}<script>{SCRIPT}</script></body></html>"
    )


def _flow(lineage: DocumentLineage) -> str:
    rank = next((hit.rank for hit in lineage.ranking if hit.mine), None)
    if rank:
        found = f"best rank {rank}"
    else:
        found = "not in the top hits" if lineage.query else "no query given"
    most_tokens = max((c.token_count for c in lineage.chunks), default=0)
    stages = [
        ("raw", "1. Warehouse", f"{lineage.collection}, {len(lineage.raw_text):,} chars"),
        ("cleaned", "2. Cleaned", f"{len(lineage.cleaned_text):,} chars, {lineage.removed_characters:,} removed"),
        ("chunks", "3. Chunks", f"{len(lineage.chunks)} chunk(s), max {most_tokens} tokens"),
        ("points", "4. Stored points", f"{len(lineage.points)} point(s) in the vector store"),
        ("ranking", "5. Search", found),
    ]
    boxes = [f'<a href="#{a}"><b>{escape(name)}</b><span>{escape(text)}</span></a>' for a, name, text in stages]
    return f'<nav class="flow">{"<span class=arrow>&rarr;</span>".join(boxes)}</nav>'


def _raw_section(lineage: DocumentLineage) -> str:
    sizes = ((field, f"{size:,}") for field, size in lineage.raw_fields.items())
    fields = table(("content field", "characters"), sizes, numeric=(1,))
    return (
        f'<h2 id="raw">1. Raw document in the warehouse</h2><p>Collection <code>{escape(lineage.collection)}</code>, '
        f"id <code>{escape(lineage.document_id)}</code>.</p>{fields}"
    )


def _cleaning_section(lineage: DocumentLineage) -> str:
    left, right = [], []
    for op, raw_piece, cleaned_piece in lineage.segments:
        if op == "equal":
            left.append(escape(raw_piece))
            right.append(escape(cleaned_piece))
        else:
            left.append(f"<del>{escape(raw_piece)}</del>" if raw_piece else "")
            right.append(f"<ins>{escape(cleaned_piece)}</ins>" if cleaned_piece else "")
    return (
        f'<h2 id="cleaned">2. Cleaned text</h2><p>{len(lineage.edits)} edit(s): '
        f"{lineage.removed_characters:,} characters removed (red), normalised text in green. Content hash "
        f"<code>{escape(lineage.content_hash[:16])}</code>.</p>"
        f'<div class="pair"><div><b>raw</b><div class="text">{"".join(left)}</div></div>'
        f'<div><b>cleaned</b><div class="text">{"".join(right)}</div></div></div>'
    )


def _chunks_section(lineage: DocumentLineage, token_limit: int) -> str:
    text = lineage.cleaned_text
    spans, cursor = [], 0
    for chunk in lineage.chunks:  # each chunk's new text (its overlap with the previous one is shown once)
        start = max(chunk.new_text_start, cursor)
        spans.append(escape(text[cursor:start]))
        spans.append(
            f'<span class="chunk c{chunk.index % 2}" data-chunk="{chunk.index}" '
            f'title="chunk {chunk.index}: {chunk.token_count} tokens">{escape(text[start : chunk.end])}</span>'
        )
        cursor = max(cursor, chunk.end)
    spans.append(escape(text[cursor:]))
    rows = "".join(
        f'<tr class="pick" data-chunk="{c.index}"><td class="num">{c.index}</td><td class="num">{c.token_count}</td>'
        f'<td><span class="bar" style="width:{120 * c.token_count // token_limit}px"></span></td>'
        f'<td class="num">{c.start:,}-{c.end:,}</td><td class="num">{c.new_text_start - c.start:,}</td>'
        f"<td><code>{escape(c.chunk_id[:8])}</code></td></tr>"
        for c in lineage.chunks
    )
    header = "".join(f"<th>{h}</th>" for h in ("#", "tokens", f"of {token_limit}", "characters", "overlap", "id"))
    return (
        f'<h2 id="chunks">3. Chunks and their boundaries</h2><p>At most {token_limit} model tokens each, '
        "[CLS] and [SEP] included; chunks are exact slices of the cleaned text. Click a row or a span.</p>"
        f'<div class="pair"><div><table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table></div>'
        f'<div class="text">{"".join(spans)}</div></div>'
    )


def _points_section(lineage: DocumentLineage) -> str:
    if not lineage.points:
        return '<h2 id="points">4. Stored points</h2><p class="note">None stored yet.</p>'
    rows = (
        (
            p.chunk_index,
            Raw(f"<code>{escape(p.chunk_id)}</code>"),
            p.collection,
            f"{p.dense_dimensions} / {p.dense_norm}",
            f"{p.sparse_terms} / {p.sparse_norm}",
            tag("ok", "yes") if p.matches_recomputed_chunk else tag("bad", "no"),
            Raw(f"<details><summary>payload</summary><pre>{escape(json.dumps(p.payload, indent=1))}</pre></details>"),
        )
        for p in lineage.points
    )
    headers = ("#", "point id", "collection", "dense dims / norm", "BM25 terms / norm", "= recomputed", "payload")
    return (
        '<h2 id="points">4. Stored points</h2><p>What the feature pipeline stored: dense MiniLM vectors are '
        f"normalised (norm 1), BM25 vectors hold one weight per term.</p>{table(headers, rows, numeric=(0,))}"
    )


def _ranking_section(lineage: DocumentLineage) -> str:
    if not lineage.query:
        return '<h2 id="ranking">5. Where it ranks</h2><p>Give <code>--query</code> to see it.</p>'
    rows = "".join(
        f'<tr class="{"mine" if hit.mine else ""}"><td class="num">{hit.rank}</td>'
        f'<td class="num">{"" if hit.score is None else f"{hit.score:.4f}"}</td>'
        f"<td><code>{escape(hit.chunk_id[:8])}</code></td><td>{escape(hit.link or '')}</td>"
        f"<td>{'this document' if hit.mine else ''}</td></tr>"
        for hit in lineage.ranking
    )
    header = "".join(f"<th>{h}</th>" for h in ("rank", "score", "chunk", "link", ""))
    return (
        f'<h2 id="ranking">5. Where it ranks</h2><p>Hybrid search (dense + BM25, reciprocal-rank fusion) for '
        f"<code>{escape(lineage.query)}</code>; this document's chunks in green.</p>"
        f"<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>"
    )
