"""The twin's model side of the FTI architecture (fine-tuning and inference of the LLM itself).

MoodSwarm's data platform feeds it: the feature pipeline's Qdrant collections and the retriever in
`llm_engineering.application.rag`. Nothing lives here yet; the package marks where that code belongs.
"""
