from tinybloom.filter import BloomFilter

__all__ = ["BloomFilter"]
