class LLMTwinException(Exception):
    """Base of every error MoodSwarm raises on purpose."""


class ImproperlyConfigured(LLMTwinException):
    """A setting is missing or wrong."""


class DatabaseUnavailable(LLMTwinException):
    """A store (MongoDB or Qdrant) cannot be reached or opened."""


class CrawlError(LLMTwinException):
    """A link could not be turned into a document; the message says why."""


class InvalidBackup(LLMTwinException):
    """A warehouse backup file is malformed."""


class CollectionMismatch(ImproperlyConfigured):
    """A stored vector collection does not fit the current embedding model (size, distance, sparse vector)."""
