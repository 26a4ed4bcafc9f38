"""Search-index parameters shared by both adapters.

Measured on the handbook corpus' real chunk embeddings replicated with noise (bench/bench_search_latency.py):
with these values top-10 recall against exact search is 0.9984 at 100k points (dense and hybrid, with and
without an author filter; 1.0 at 1k and 10k, where segments stay below the indexing threshold).
"""

HNSW_M = 16
HNSW_EF_CONSTRUCT = 100
HNSW_EF = 128

# Dense vectors also keep an int8 copy in RAM: graph walks and filtered scans compare the int8 copies, then the
# top hits are rescored with the float vectors. At 100k points an author-filtered dense search over the three
# collections fell from 2.9 to 0.8 ms with the same top-10 recall (bench/bench_search_latency.py).
SCALAR_QUANTILE = 0.99
# The int8 walk gathers twice the asked-for hits before the float rescoring: with 1x, recall@10 against exact
# search fell to 0.984; with 2x it is as high as without the int8 copy (0.996 vs 0.997 on 48 queries).
RESCORE_OVERSAMPLING = 2.0
