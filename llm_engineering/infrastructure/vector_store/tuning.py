"""Search-index parameters shared by both adapters.

Measured on the handbook corpus' real chunk embeddings replicated with noise (bench/bench_search_latency.py):
with these values top-10 recall against exact search is 0.9984 at 100k points (dense and hybrid, with and
without an author filter; 1.0 at 1k and 10k, where segments stay below the indexing threshold).
"""

HNSW_M = 16
HNSW_EF_CONSTRUCT = 100
HNSW_EF = 128
