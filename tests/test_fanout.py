"""A cold token's followers reach the connection pool in turn, not in one burst.

When the token arrives, every waiting task used to be released at the same
instant and ask the pool for a connection together: a thousand tasks opened a
thousand connections. Now each follower wakes the next as it resumes, so sends
that finish meanwhile leave their connections for the next ones. The transport
here answers every API request after two loop turns and counts how many are in
flight at once: deterministic, no network.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from payments_core import AuthenticationError, OAuth2ClientCredentials

TOKEN_URL = "https://auth.example/token"
API_URL = "https://api.example/payments/1"
CALLERS = 50


class PacedTransport(httpx.AsyncBaseTransport):
    """Token and API answers after a few loop turns; counts concurrent API sends."""

    def __init__(self, token_status: int = 200, turns: int = 2) -> None:
        self.token_status = token_status
        self.turns = turns
        self.token_requests = 0
        self.api_requests = 0
        self.in_flight = 0
        self.most_in_flight = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            self.token_requests += 1
            for _ in range(5):  # every caller arrives while the token is on its way
                await asyncio.sleep(0)
            if self.token_status != 200:
                return httpx.Response(self.token_status, json={"error": "invalid_client"})
            return httpx.Response(200, json={"access_token": "tok", "expires_in": 3600})
        assert request.headers["Authorization"] == "Bearer tok"
        self.api_requests += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            for _ in range(self.turns):
                await asyncio.sleep(0)
        finally:
            self.in_flight -= 1
        return httpx.Response(200, json={"ok": True})


def _auth() -> OAuth2ClientCredentials:
    return OAuth2ClientCredentials(TOKEN_URL, "client", "secret")


async def test_cold_token_followers_send_in_turn_not_all_at_once() -> None:
    transport = PacedTransport()
    auth = _auth()
    async with httpx.AsyncClient(transport=transport, auth=auth) as client:
        responses = await asyncio.gather(*(client.get(API_URL) for _ in range(CALLERS)))
    assert [r.status_code for r in responses] == [200] * CALLERS
    assert auth.token_requests == transport.token_requests == 1
    assert transport.api_requests == CALLERS
    # Released together, all 50 would be in flight at once; in turn, a send that
    # takes two loop turns overlaps with at most the next few.
    assert transport.most_in_flight <= 4


async def test_warm_token_is_the_same_pace() -> None:
    """The reference: what a warm token's burst looks like on this transport."""
    transport = PacedTransport()
    auth = _auth()
    async with httpx.AsyncClient(transport=transport, auth=auth) as client:
        await client.get(API_URL)
        responses = await asyncio.gather(*(client.get(API_URL) for _ in range(CALLERS)))
    assert all(r.status_code == 200 for r in responses)
    assert transport.token_requests == 1


async def test_a_failed_round_reaches_every_follower_at_once() -> None:
    transport = PacedTransport(token_status=401)
    auth = _auth()
    async with httpx.AsyncClient(transport=transport, auth=auth) as client:
        results = await asyncio.gather(
            *(client.get(API_URL) for _ in range(CALLERS)), return_exceptions=True
        )
    assert all(isinstance(r, AuthenticationError) for r in results)
    assert transport.token_requests == 1
    assert transport.api_requests == 0


async def test_a_cancelled_follower_does_not_break_the_chain() -> None:
    transport = PacedTransport()
    auth = _auth()
    async with httpx.AsyncClient(transport=transport, auth=auth) as client:
        tasks = [asyncio.create_task(client.get(API_URL)) for _ in range(CALLERS)]
        for _ in range(3):  # the leader is waiting for its token, the others for it
            await asyncio.sleep(0)
        for task in tasks[10:20]:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    cancelled = [r for r in results if isinstance(r, asyncio.CancelledError)]
    answered = [r for r in results if isinstance(r, httpx.Response)]
    assert len(cancelled) == 10
    assert len(answered) == CALLERS - 10
    assert transport.token_requests == 1
    assert transport.api_requests == CALLERS - 10


async def test_a_follower_whose_turn_comes_late_still_gets_the_token() -> None:
    """A follower cancelled exactly as it is woken passes the turn on anyway."""
    transport = PacedTransport()
    auth = _auth()
    async with httpx.AsyncClient(transport=transport, auth=auth) as client:
        tasks = [asyncio.create_task(client.get(API_URL)) for _ in range(5)]
        for _ in range(100):  # until the token is in and the first follower woken
            if transport.token_requests and auth._round is None:
                break
            await asyncio.sleep(0)
        tasks[1].cancel()  # woken (its turn came) but not yet resumed
        results = await asyncio.gather(*tasks, return_exceptions=True)
    assert sum(isinstance(r, httpx.Response) for r in results) >= 4
    assert transport.token_requests == 1


@pytest.mark.parametrize("callers", [1, 2])
async def test_few_followers(callers: int) -> None:
    transport = PacedTransport()
    auth = _auth()
    async with httpx.AsyncClient(transport=transport, auth=auth) as client:
        responses = await asyncio.gather(*(client.get(API_URL) for _ in range(callers)))
    assert all(r.status_code == 200 for r in responses)
    assert transport.token_requests == 1
