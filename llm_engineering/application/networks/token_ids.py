"""Token ids handed from the chunker to the encoder, so a chunk's text is tokenized once, not twice.

The chunker tokenizes each chunk's content (special tokens included) and its context line (none); the encoder
reads the index text `context + "\\n" + content`. With a BERT tokenizer, the ids of that joined text are exactly
[CLS] + context ids + content ids + [SEP]: its normaliser works character by character (the NFD of accent
stripping never reorders across a newline) and its pre-tokenizer always splits at whitespace. `joins_at_whitespace`
checks the tokenizer is of that kind (and probes it); any other tokenizer gets no ids and the encoder tokenizes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

TokenIds = Sequence[int]


def joins_at_whitespace(tokenizer: Any) -> bool:
    """True when tokenizing `a + "\\n" + b` gives [first special] + ids(a) + ids(b) + [last special]."""
    from tokenizers import normalizers, pre_tokenizers

    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None or not isinstance(backend.pre_tokenizer, pre_tokenizers.BertPreTokenizer):
        return False
    if backend.normalizer is not None and not isinstance(backend.normalizer, normalizers.BertNormalizer):
        return False
    if tokenizer.num_special_tokens_to_add(pair=False) != 2:
        return False
    left, right = "Title > Résumé, 中文", "Body text: naïve café!"
    whole = tokenizer(f"{left}\n{right}", add_special_tokens=True, verbose=False)["input_ids"]
    return whole == with_context(
        tokenizer(right, add_special_tokens=True, verbose=False)["input_ids"],
        tokenizer(left, add_special_tokens=False, verbose=False)["input_ids"],
    )


def with_context(content_ids: TokenIds, context_ids: TokenIds) -> list[int]:
    """The ids of `context + "\\n" + content`: the context's ids go after the content's first special token."""
    return [*content_ids[:1], *context_ids, *content_ids[1:]]


def truncated(ids: TokenIds, max_tokens: int) -> list[int]:
    """What the tokenizer's own truncation keeps of one sequence: the first tokens, then the last special."""
    return list(ids) if len(ids) <= max_tokens else [*ids[: max_tokens - 1], ids[-1]]
