"""MoodSwarm: the data platform of an LLM Twin."""
