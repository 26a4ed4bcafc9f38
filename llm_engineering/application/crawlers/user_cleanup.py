"""A run that stored nothing leaves no user behind: a person without documents is not a known author."""

from __future__ import annotations

from loguru import logger

from llm_engineering.domain.documents import RAW_DOCUMENT_CLASSES, UserDocument


def forget_user_without_documents(user: UserDocument) -> bool:
    """Delete `user` when no raw document is attributed to it; True when it was deleted.

    Called after a run in which every link failed. The user step creates the person up front (atomically,
    so concurrent runs agree on one id); this undoes that when nothing came of it.
    """
    if any(document_class.find(author_id=user.id) is not None for document_class in RAW_DOCUMENT_CLASSES):
        return False
    deleted = UserDocument.delete(_id=user.id) > 0
    if deleted:
        logger.info("No document was stored for {}: the user was not kept", user.full_name)
    return deleted
