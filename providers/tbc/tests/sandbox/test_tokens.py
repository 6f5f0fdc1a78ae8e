"""POST /v1/tpay/access-token, and the apikey + Bearer check on every other call."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
from payments_tbc.sandbox import Fault, TbcSandbox

TOKEN_PATH = "/v1/tpay/access-token"
FORM = {"client_id": "7001234", "client_secret": "sandbox-secret"}


def claims(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


async def test_token_call_answers_a_bearer_token_valid_for_a_day(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(TOKEN_PATH, data=FORM, headers={"apikey": "sandbox-apikey"})

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86400
    assert body["access_token"].count(".") == 2


async def test_token_claims_follow_tbc_sample(http: httpx.AsyncClient) -> None:
    response = await http.post(TOKEN_PATH, data=FORM, headers={"apikey": "sandbox-apikey"})

    token_claims = claims(response.json()["access_token"])
    assert token_claims["client_id"] == "7001234"
    assert token_claims["scope"] == ["paymentapi"]
    assert "paymentapi" in token_claims["aud"]
    assert token_claims["exp"] - token_claims["nbf"] == 86400


async def test_token_call_accepts_the_client_Id_spelling(http: httpx.AsyncClient) -> None:
    form = {"client_Id": "7001234", "client_secret": "sandbox-secret"}

    response = await http.post(TOKEN_PATH, data=form, headers={"apikey": "sandbox-apikey"})

    assert response.status_code == 200


async def test_token_call_without_apikey_is_401_like_tbc_sample(http: httpx.AsyncClient) -> None:
    response = await http.post(TOKEN_PATH, data=FORM)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "https://developers.tbcbank.ge/docs/error-type-401",
        "title": "Invalid Api Key",
        "status": "401",
        "detail": "Please make sure api key is valid",
        "systemCode": "System code for problem is tpay-access-token.401.001",
    }


async def test_token_call_with_a_wrong_apikey_is_401(http: httpx.AsyncClient, problem: Any) -> None:
    response = await http.post(TOKEN_PATH, data=FORM, headers={"apikey": "other"})

    body = problem(response, 401, "api key", 1)
    assert body["title"] == "Invalid Api Key"


async def test_token_call_with_a_wrong_secret_is_401_invalid_client(
    http: httpx.AsyncClient, problem: Any
) -> None:
    form = {"client_id": "7001234", "client_secret": "wrong"}

    response = await http.post(TOKEN_PATH, data=form, headers={"apikey": "sandbox-apikey"})

    body = problem(response, 401, "client_id and client_secret", 3)
    assert body["title"] == "Invalid client credentials"


async def test_token_call_without_credentials_is_401(http: httpx.AsyncClient, problem: Any) -> None:
    response = await http.post(
        TOKEN_PATH, data={"client_id": "7001234"}, headers={"apikey": "sandbox-apikey"}
    )

    problem(response, 401, "client_secret", 3)


async def test_token_call_with_a_json_body_is_refused(
    http: httpx.AsyncClient, problem: Any
) -> None:
    response = await http.post(TOKEN_PATH, json=FORM, headers={"apikey": "sandbox-apikey"})

    problem(response, 415, "application/x-www-form-urlencoded")


async def test_token_lifetime_option_sets_expires_in(make_sandbox: Any) -> None:
    sandbox: TbcSandbox = make_sandbox(token_lifetime=600)
    async with httpx.AsyncClient(transport=sandbox.transport(), base_url="http://tbc") as http:
        response = await http.post(TOKEN_PATH, data=FORM, headers={"apikey": "sandbox-apikey"})

    assert response.json()["expires_in"] == 600


async def test_api_call_without_a_token_is_401_with_a_string_status(
    http: httpx.AsyncClient, problem: Any
) -> None:
    response = await http.get("/v1/tpay/payments/x", headers={"apikey": "sandbox-apikey"})

    body = problem(response, 401, "Access token", 2)
    assert body["systemCode"] == "System code for problem is tpay-payments.401.002"


async def test_api_call_with_a_token_but_no_apikey_is_401_invalid_api_key(
    tbc: Any, problem: Any
) -> None:
    response = await tbc.http.get(
        "/v1/tpay/payments/x", headers={"Authorization": f"Bearer {tbc.token}"}
    )

    body = problem(response, 401, "api key", 1)
    assert body["title"] == "Invalid Api Key"


async def test_apikey_header_name_is_case_insensitive(tbc: Any) -> None:
    headers = {"ApiKey": "sandbox-apikey", "Authorization": f"Bearer {tbc.token}"}

    response = await tbc.http.get("/v1/tpay/payments/x", headers=headers)

    assert response.status_code == 404


async def test_unknown_token_is_401(tbc: Any, problem: Any) -> None:
    headers = {"apikey": "sandbox-apikey", "Authorization": "Bearer not-a-token"}

    response = await tbc.http.get("/v1/tpay/payments/x", headers=headers)

    problem(response, 401, "Access token", 2)


async def test_token_expires_after_expires_in(tbc: Any, sandbox: TbcSandbox, problem: Any) -> None:
    sandbox.advance_clock(86399)
    still_valid = await tbc.call("GET", "/payments/x")
    sandbox.advance_clock(1)

    expired = await tbc.call("GET", "/payments/x")

    assert still_valid.status_code == 404
    problem(expired, 401, "expired", 2)


async def test_revoked_tokens_are_401_and_a_new_token_works(
    tbc: Any, sandbox: TbcSandbox, problem: Any
) -> None:
    assert sandbox.revoke_tokens() == 1
    problem(await tbc.call("GET", "/payments/x"), 401, "Access token")

    await tbc.login()

    assert (await tbc.call("GET", "/payments/x")).status_code == 404


async def test_token_revoked_fault_kills_tokens_before_the_call(
    tbc: Any, sandbox: TbcSandbox, problem: Any
) -> None:
    sandbox.add_fault(Fault("get_payment", "token_revoked"))

    problem(await tbc.call("GET", "/payments/x"), 401, "Access token")


async def test_token_calls_are_counted(http: httpx.AsyncClient, sandbox: TbcSandbox) -> None:
    await http.post(TOKEN_PATH, data=FORM, headers={"apikey": "sandbox-apikey"})
    await http.post(TOKEN_PATH, data=FORM)

    assert sandbox.counters.token_requests == 2
    assert sandbox.counters.tokens_issued == 1
