"""BogSettings checks plain credentials itself; the settings are those pydantic would build.

``BogSettings.model_validate`` answers a mapping of plain ``str`` credentials (and an
environment) without building pydantic's validator, so that building a gateway does
not pay for it. These checks hold that path to pydantic's answer, input by input,
and hand every other input, and every refusal, to pydantic.
"""

from __future__ import annotations

from typing import Any

import pytest
from payments_bog import BogProvider, BogSettings
from payments_bog.settings import plain_credentials
from pydantic import BaseModel, SecretStr, ValidationError


def _pydantics(obj: Any) -> BogSettings:
    """What pydantic itself builds from ``obj``, past BogSettings' own path."""
    return BaseModel.model_validate.__func__(BogSettings, obj)  # type: ignore[attr-defined,no-any-return]


def _same(left: BogSettings, right: BogSettings) -> None:
    assert type(left) is type(right)
    assert left == right
    assert list(left.__dict__) == list(right.__dict__)
    assert {k: type(v) for k, v in left.__dict__.items()} == {
        k: type(v) for k, v in right.__dict__.items()
    }
    assert left.client_secret.get_secret_value() == right.client_secret.get_secret_value()
    assert left.model_fields_set == right.model_fields_set
    assert left.__pydantic_extra__ == right.__pydantic_extra__
    assert left.__pydantic_private__ == right.__pydantic_private__
    assert repr(left) == repr(right)
    assert hash(left) == hash(right)
    assert left.model_dump() == right.model_dump()


PLAIN = [
    {"client_id": "10001", "client_secret": "s3cret"},
    {"client_id": "  10001 \n", "client_secret": " spaced "},
    {"client_id": "\u00a0id\u2003", "client_secret": "x"},
    {"client_id": "a\ud800", "client_secret": "b\ud800"},
    {"client_id": "1", "client_secret": " "},
    {"client_id": "1", "client_secret": "x", "environment": "sandbox"},
    {"client_id": "1", "client_secret": "x", "environment": "production"},
]


@pytest.mark.parametrize("obj", PLAIN)
def test_plain_credentials_give_the_settings_pydantic_builds(obj: dict[str, Any]) -> None:
    plain = plain_credentials(dict(obj))

    assert plain is not None
    _same(plain, _pydantics(dict(obj)))
    _same(BogSettings.model_validate(dict(obj)), _pydantics(dict(obj)))


class _Text(str):
    pass


OTHERS = [
    {},
    {"client_id": "1"},
    {"client_secret": "x"},
    {"client_id": "", "client_secret": "x"},
    {"client_id": " \t", "client_secret": "x"},
    {"client_id": "1", "client_secret": ""},
    {"client_id": 1, "client_secret": "x"},
    {"client_id": b"1", "client_secret": "x"},
    {"client_id": _Text("1"), "client_secret": "x"},
    {"client_id": "1", "client_secret": SecretStr("x")},
    {"client_id": "1", "client_secret": _Text("x")},
    {"client_id": "1", "client_secret": "x", "environment": "staging"},
    {"client_id": "1", "client_secret": "x", "environment": "SANDBOX"},
    {"client_id": "1", "client_secret": "x", "environment": None},
    {"client_id": "1", "client_secret": "x", "timeout": 5},
    {"client_id": "1", "client_secret": "x", "language": "en"},
    {"client_id": "1", "client_secret": "x", "api_base_url": "http://example.com"},
    {"client_id": "1", "client_secret": "x", "unknown": 1},
]


@pytest.mark.parametrize("obj", OTHERS)
def test_everything_else_is_left_to_pydantic(obj: dict[str, Any]) -> None:
    assert plain_credentials(dict(obj)) is None
    try:
        expected: BogSettings | ValidationError = _pydantics(dict(obj))
    except ValidationError as exc:
        expected = exc
    if isinstance(expected, ValidationError):
        with pytest.raises(ValidationError) as raised:
            BogSettings.model_validate(dict(obj))
        assert raised.value.errors(include_context=False) == expected.errors(include_context=False)
        assert str(raised.value) == str(expected)
    else:
        _same(BogSettings.model_validate(dict(obj)), expected)


def test_only_a_plain_dict_takes_the_plain_path() -> None:
    class Mapping(dict[str, Any]):
        pass

    assert plain_credentials(Mapping(client_id="1", client_secret="x")) is None
    assert plain_credentials([("client_id", "1"), ("client_secret", "x")]) is None


def test_a_subclass_of_the_settings_is_always_validated_by_pydantic() -> None:
    class Stricter(BogSettings):
        pass

    settings = Stricter.model_validate({"client_id": "1", "client_secret": "x"})

    assert type(settings) is Stricter
    assert Stricter.__pydantic_complete__


def test_arguments_for_pydantic_take_pydantics_path() -> None:
    with pytest.raises(ValidationError):
        BogSettings.model_validate({"client_id": "1", "client_secret": 2}, strict=True)
    settings = BogSettings.model_validate({"client_id": " 1 ", "client_secret": "x"}, strict=True)

    assert settings.client_id == "1"


def test_settings_from_the_plain_path_are_frozen_and_hide_the_secret() -> None:
    settings = BogSettings.model_validate({"client_id": "1", "client_secret": "hunter2"})

    with pytest.raises(ValidationError):
        settings.client_id = "2"  # type: ignore[misc]
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings.model_dump())


def test_the_provider_built_from_plain_credentials_is_the_same() -> None:
    provider = BogProvider.from_settings(client_id=" 7 ", client_secret="x", environment="sandbox")

    _same(
        provider.settings,
        _pydantics({"client_id": "7", "client_secret": "x", "environment": "sandbox"}),
    )
    assert provider.api_base_url == "https://api-sandbox.bog.ge/payments/v1"
