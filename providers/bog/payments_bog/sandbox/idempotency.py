"""``Idempotency-Key`` records: the first answer to a key is the answer forever.

BOG: repeating a request to the same endpoint with the same key returns the same
status code and body as the first call. Records are kept per (method, path, key), so
the same key on another endpoint or another order is a new request. A repeated key
with a different body still gets the first answer (BOG documents no conflict error).
Only processed requests are recorded: an injected fault ``before`` processing, a 401
or a 5xx from the sandbox leaves no record.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StoredReply:
    status: int
    body: bytes
    media_type: str | None


RecordKey = tuple[str, str, str]


class IdempotencyBook:
    def __init__(self) -> None:
        self._replies: dict[RecordKey, StoredReply] = {}
        self.lock = threading.RLock()
        """Held while a keyed request is checked, processed and recorded."""

    def __len__(self) -> int:
        return len(self._replies)

    def get(self, key: RecordKey) -> StoredReply | None:
        return self._replies.get(key)

    def put(self, key: RecordKey, reply: StoredReply) -> None:
        self._replies.setdefault(key, reply)
