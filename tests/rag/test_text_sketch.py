"""Text sketches: stable across processes, and a passage contained in another keeps its sketch contained."""

from __future__ import annotations

import subprocess
import sys

from llm_engineering.application.preprocessing.text_sketch import sketch_values, text_sketch
from llm_engineering.application.rag.retriever import MAX_CANDIDATES, _deeper_limit

TEXT = " ".join(f"word{n}" for n in range(200))


def test_a_contained_passage_keeps_its_sketch_contained() -> None:
    whole = set(sketch_values(text_sketch(TEXT)))
    part = set(sketch_values(text_sketch(" ".join(f"word{n}" for n in range(50, 150)))))
    assert part and part <= whole
    assert 5 < len(whole) < 60  # a sample (about an eighth of 193 shingles), not every shingle


def test_unrelated_texts_share_nothing_and_short_texts_get_one_value() -> None:
    other = set(sketch_values(text_sketch(" ".join(f"other{n}" for n in range(200)))))
    assert not other & set(sketch_values(text_sketch(TEXT)))
    assert len(sketch_values(text_sketch("Three short words"))) == 1 and text_sketch("  ") == ""


def test_sketches_are_the_same_in_another_process() -> None:
    # Stored at feature time, compared at query time: Python's salted str hash would break that.
    code = "from llm_engineering.application.preprocessing.text_sketch import text_sketch; print(text_sketch(%r))"
    printed = subprocess.run([sys.executable, "-c", code % TEXT], capture_output=True, text=True, check=True)
    assert printed.stdout.strip() == str(text_sketch(TEXT))


def test_the_deeper_round_is_sized_by_what_survived_merging() -> None:
    assert _deeper_limit(30, 3, 10) == 151  # a tenth survived: about ten times deeper, with a margin
    assert _deeper_limit(30, 9, 10) == 60  # at least twice as deep
    assert _deeper_limit(30, 0, 10) == 60
    assert _deeper_limit(600, 1, 10) == MAX_CANDIDATES
