"""Search-index parameters shared by both adapters.

Measured on the handbook corpus' real chunk embeddings (bench/bench_search_latency.py): with these values
top-10 recall against exact search is >= 0.99 at 100k points.
"""

HNSW_M = 16
HNSW_EF_CONSTRUCT = 100
HNSW_EF = 128
