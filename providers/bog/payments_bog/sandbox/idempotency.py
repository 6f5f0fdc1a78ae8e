"""``Idempotency-Key`` records: the first answer to a key is the answer while it is kept.

BOG: repeating a request to the same endpoint with the same key returns the same
status code and body as the first call. Records are kept per (method, path, key), so
the same key on another endpoint or another order is a new request. A repeated key
with a different body still gets the first answer (BOG documents no conflict error).
Only processed requests are recorded: an injected fault ``before`` processing, a 401
or a 5xx from the sandbox leaves no record.

The book keeps the ``limit`` records most recently used (:data:`RECORD_LIMIT` by
default; a replay counts as a use): a key repeated after that many other keyed
requests is a new request. That is hours of a load test, and never reached by a test
that does not mean to.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

from payments_core.sandbox.bounded import check_limit

RECORD_LIMIT: Final = 10_000
"""Records the book keeps (``BogSandbox(idempotency_limit=...)``)."""


@dataclass(frozen=True, slots=True)
class StoredReply:
    status: int
    body: bytes
    media_type: str | None


RecordKey = tuple[str, str, str]


class IdempotencyBook:
    def __init__(self, limit: int = RECORD_LIMIT) -> None:
        self.limit = check_limit("idempotency_limit", limit)
        self._replies: OrderedDict[RecordKey, StoredReply] = OrderedDict()
        self.lock = threading.RLock()
        """Held while a keyed request is checked, processed and recorded."""

    def __len__(self) -> int:
        return len(self._replies)

    def get(self, key: RecordKey) -> StoredReply | None:
        with self.lock:
            reply = self._replies.get(key)
            if reply is not None:
                self._replies.move_to_end(key)
            return reply

    def put(self, key: RecordKey, reply: StoredReply) -> None:
        with self.lock:
            self._replies.setdefault(key, reply)
            self._replies.move_to_end(key)
            while len(self._replies) > self.limit:
                self._replies.popitem(last=False)
