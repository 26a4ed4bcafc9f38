from tinybloom import BloomFilter


def test_added_items_are_always_found() -> None:
    bloom = BloomFilter.for_capacity(1000, 0.01)
    words = [f"word-{i}" for i in range(1000)]
    for word in words:
        bloom.add(word)
    assert all(word in bloom for word in words)


def test_false_positive_rate_stays_near_the_target() -> None:
    bloom = BloomFilter.for_capacity(1000, 0.01)
    for i in range(1000):
        bloom.add(f"in-{i}")
    false_positives = sum(f"out-{i}" in bloom for i in range(10_000))
    assert false_positives < 300
