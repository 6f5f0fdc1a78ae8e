"""OAuth2 client-credentials as an ``httpx.Auth``, shared by any provider that needs it.

The token is cached until ``refresh_margin`` seconds before it expires (half-way
through its life when it lives less than twice the margin). However
many callers arrive on a cold cache at once (threads on a sync client, tasks on
an async one), exactly one token request goes out:

* a short lock checks the cache and elects one *leader* for the refresh;
* the lock is released before the leader yields its token request, so no lock
  is ever held across a ``yield`` (doing so deadlocks or leaks the lock when
  httpx closes the flow early);
* *followers* wait on an event of that refresh round and re-check the cache;
  the leader always sets the event, also when it fails, and followers of a
  failed round (an error answer, or no answer at all) raise the leader's error
  instead of stampeding the token server; followers of a successful round use
  the token it fetched.
* async followers on the leader's event loop resume in turn, not all at once:
  the leader wakes the first, and each follower wakes the next as it resumes,
  so they reach the connection pool one per loop iteration (a thousand tasks
  released together would each open a connection of their own instead of
  reusing the ones that answered meanwhile). Nothing is held across a
  ``yield``: a follower passes the turn on before it sends anything. After a
  failed round every follower is woken at once, to raise the error.

With a shared cache (:meth:`OAuth2ClientCredentials.share`, the journal's token
table) the single flight spans processes and hosts: the one leader of each
process asks the shared cache first, and of all processes on a cold cache only
the one holding the cache's lease fetches; the rest poll until its token is
written. Should the shared cache fail, the process fetches for itself for a
while: a token is no money, so availability wins.

A 401 on an API call drops the token that failed, fetches one fresh token and
retries the call once; a second 401 goes back to the caller (the driver turns
it into :class:`~payments_core.errors.AuthenticationError`), never a loop.
Expiry runs on ``time.monotonic()``, so wall-clock jumps do not matter.

The package, by module:

* ``grant``: what processes share (``TokenGrant``, ``SharedTokenCache``);
* ``endpoint``: the token request, and the reading of its answer;
* ``rounds``: a refresh in flight, and how threads and tasks wait for it;
* ``election``: who fetches, written once as a generator;
* ``client_credentials``: the ``httpx.Auth`` that drives it, sync and async.
"""

from payments_core.auth.client_credentials import OAuth2ClientCredentials
from payments_core.auth.endpoint import DEFAULT_LIFETIME, LifetimeReader, seconds_lifetime
from payments_core.auth.grant import SharedTokenCache, TokenGrant
from payments_core.provider import AUTH_REQUEST_EXTENSION as AUTH_REQUEST_EXTENSION

__all__ = [
    "DEFAULT_LIFETIME",
    "LifetimeReader",
    "OAuth2ClientCredentials",
    "SharedTokenCache",
    "TokenGrant",
    "seconds_lifetime",
]
