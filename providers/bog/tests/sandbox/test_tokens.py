"""The Keycloak-shaped token endpoint and bearer-token checks on the API."""

from __future__ import annotations

from typing import Any

import httpx
from payments_bog.sandbox import BogSandbox, Fault

TOKEN_PATH = "/auth/realms/bog/protocol/openid-connect/token"
KEYCLOAK_401 = {
    "error": "invalid_client",
    "error_description": "Invalid client or Invalid client credentials",
}


async def request_token(http: httpx.AsyncClient, **kwargs: Any) -> httpx.Response:
    kwargs.setdefault("data", {"grant_type": "client_credentials"})
    return await http.post(TOKEN_PATH, **kwargs)


async def test_client_credentials_grant_issues_a_bearer_token(
    http: httpx.AsyncClient, sandbox: BogSandbox
) -> None:
    response = await request_token(http, auth=("sandbox-client", "sandbox-secret"))

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"].count(".") == 2
    assert sandbox.counters.tokens_issued == 1


async def test_token_response_is_not_cacheable(http: httpx.AsyncClient) -> None:
    response = await request_token(http, auth=("sandbox-client", "sandbox-secret"))

    assert response.headers["cache-control"] == "no-store"


async def test_wrong_secret_gets_keycloak_invalid_client_401(
    http: httpx.AsyncClient, sandbox: BogSandbox
) -> None:
    response = await request_token(http, auth=("sandbox-client", "wrong"))

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.json() == KEYCLOAK_401
    assert sandbox.counters.token_requests == 1
    assert sandbox.counters.tokens_issued == 0


async def test_missing_credentials_get_keycloak_invalid_client_401(
    http: httpx.AsyncClient,
) -> None:
    response = await request_token(http)

    assert response.status_code == 401
    assert response.json() == KEYCLOAK_401


async def test_credentials_in_the_form_body_are_accepted(http: httpx.AsyncClient) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": "sandbox-client",
        "client_secret": "sandbox-secret",
    }
    response = await request_token(http, data=form)

    assert response.status_code == 200


async def test_other_grant_type_is_unsupported(http: httpx.AsyncClient) -> None:
    response = await request_token(
        http, data={"grant_type": "password"}, auth=("sandbox-client", "sandbox-secret")
    )

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


async def test_missing_grant_type_is_an_invalid_request(http: httpx.AsyncClient) -> None:
    response = await request_token(http, data={}, auth=("sandbox-client", "sandbox-secret"))

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_custom_credentials_are_checked(private_key_pem: bytes) -> None:
    sandbox = BogSandbox(client_id="10001", client_secret="s3cret", private_key_pem=private_key_pem)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://bog") as http:
        good = await request_token(http, auth=("10001", "s3cret"))
        default = await request_token(http, auth=("sandbox-client", "sandbox-secret"))

    assert (good.status_code, default.status_code) == (200, 401)


async def test_api_call_without_token_is_401_with_a_message(http: httpx.AsyncClient) -> None:
    response = await http.get("/payments/v1/receipt/anything")

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.json()["message"]


async def test_api_call_with_unknown_token_is_401(http: httpx.AsyncClient) -> None:
    response = await http.get(
        "/payments/v1/receipt/anything", headers={"Authorization": "Bearer made-up"}
    )

    assert response.status_code == 401
    assert "invalid" in response.json()["message"].lower()


async def test_token_expires_after_its_lifetime(bog: Any, sandbox: BogSandbox) -> None:
    assert (await bog.call("GET", "/receipt/x")).status_code == 400

    sandbox.advance_clock(3600)

    assert (await bog.call("GET", "/receipt/x")).status_code == 401


async def test_token_lifetime_is_configurable(private_key_pem: bytes) -> None:
    sandbox = BogSandbox(token_lifetime=60, private_key_pem=private_key_pem)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://bog") as http:
        response = await request_token(http, auth=("sandbox-client", "sandbox-secret"))

    assert response.json()["expires_in"] == 60


async def test_revoked_tokens_are_refused_and_a_new_one_works(
    bog: Any, sandbox: BogSandbox
) -> None:
    sandbox.revoke_tokens()

    assert (await bog.call("GET", "/receipt/x")).status_code == 401
    await bog.login()
    assert (await bog.call("GET", "/receipt/x")).status_code == 400


async def test_token_revoked_fault_rejects_the_next_call(bog: Any, sandbox: BogSandbox) -> None:
    sandbox.add_fault(Fault("receipt", "token_revoked"))

    first = await bog.call("GET", "/receipt/x")
    await bog.login()
    second = await bog.call("GET", "/receipt/x")

    assert (first.status_code, second.status_code) == (401, 400)
