"""A cap on the total time one run may spend waiting between retries, shared by all its links.

Without it, N unreachable links cost N times the full backoff: an offline run of 15 links waited about a
minute. Once the budget is spent, a transient failure fails at once like any other.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class RetryBudget:
    total_s: float
    spent_s: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def remaining_s(self) -> float:
        return max(0.0, self.total_s - self.spent_s)

    def take(self, wanted_s: float) -> float | None:
        """Reserve up to `wanted_s` seconds of waiting; None when nothing is left (stop retrying)."""
        with self._lock:
            granted = min(wanted_s, self.total_s - self.spent_s)
            if granted <= 0:
                return None
            self.spent_s += granted
            return granted
