"""BOG's built-in callback keys, pinned, and loading a configured one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from payments_bog import BogProvider
from payments_bog.keys import (
    BOG_PRODUCTION_PUBLIC_KEY,
    BOG_SANDBOX_PUBLIC_KEY,
    builtin_key,
    fingerprint,
    load_public_key,
)

from payments_core import ConfigurationError

# DER SHA-256 fingerprints published in the reference (§3).
PRODUCTION_FINGERPRINT = "00ce06ee8db57a339d3ff889bf0d7648f542c66b45fa9954d75d3f5e500fa77d"
SANDBOX_FINGERPRINT = "d51af4cc5ffe450d607356452a7b31ada83a95f9d48ce6054dedddf8fef0c750"


def test_built_in_production_key_is_bogs_published_key() -> None:
    key = serialization.load_pem_public_key(BOG_PRODUCTION_PUBLIC_KEY.encode())

    assert fingerprint(key) == PRODUCTION_FINGERPRINT  # type: ignore[arg-type]
    assert key.key_size == 2048  # type: ignore[union-attr]


def test_built_in_sandbox_key_is_bogs_published_key() -> None:
    key = serialization.load_pem_public_key(BOG_SANDBOX_PUBLIC_KEY.encode())

    assert fingerprint(key) == SANDBOX_FINGERPRINT  # type: ignore[arg-type]


def test_production_environment_verifies_with_bogs_production_key_by_default() -> None:
    provider = BogProvider.from_settings(client_id="1", client_secret="x")

    key = provider._callback_keys.current()
    assert key is not None
    assert fingerprint(key) == PRODUCTION_FINGERPRINT


def test_sandbox_environment_verifies_with_bogs_sandbox_key_by_default() -> None:
    provider = BogProvider.from_settings(client_id="1", client_secret="x", environment="sandbox")

    key = provider._callback_keys.current()
    assert key is not None
    assert fingerprint(key) == SANDBOX_FINGERPRINT


def test_configured_pem_text_wins_over_the_built_in_key(bog_keys: Any) -> None:
    key = load_public_key(bog_keys.public_pem, "production")

    assert fingerprint(key) == fingerprint(bog_keys.private.public_key())


def test_configured_key_file_is_read(bog_keys: Any, tmp_path: Path) -> None:
    path = tmp_path / "bog.pem"
    path.write_text(bog_keys.public_pem)

    key = load_public_key(str(path), "production")

    assert fingerprint(key) == fingerprint(bog_keys.private.public_key())


def test_configured_der_file_is_read(bog_keys: Any, tmp_path: Path) -> None:
    path = tmp_path / "bog.der"
    path.write_bytes(
        bog_keys.private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )

    assert fingerprint(load_public_key(str(path), "sandbox")) == fingerprint(
        bog_keys.private.public_key()
    )


def test_missing_key_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="callback_public_key"):
        BogProvider.from_settings(
            client_id="1", client_secret="x", callback_public_key=str(tmp_path / "nope.pem")
        )


def test_garbage_pem_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="callback_public_key"):
        load_public_key("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----", "production")


def test_non_rsa_key_is_refused() -> None:
    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )

    with pytest.raises(ConfigurationError, match="not an RSA key"):
        load_public_key(pem, "production")


def test_no_key_is_loaded_when_verification_is_off(tmp_path: Path) -> None:
    provider = BogProvider.from_settings(
        client_id="1",
        client_secret="x",
        verify_callbacks=False,
        callback_public_key=str(tmp_path / "absent.pem"),
    )

    assert provider._callback_keys.current() is None


@pytest.mark.parametrize("environment", ["production", "sandbox"])
def test_built_in_keys_load(environment: str) -> None:
    assert builtin_key(environment).key_size == 2048
