"""payments_core.urls: the one URL check every provider uses, and what counts as loopback."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest

from payments_core.errors import ErrorCode, InvalidRequestError
from payments_core.urls import PATH_ID, check_url, is_loopback_host, is_path_id


def refusal(value: Any, **rules: Any) -> InvalidRequestError:
    """The error check_url raises for ``value``; the field is always ``hook_url``."""
    with pytest.raises(InvalidRequestError) as raised:
        check_url(value, field="hook_url", **rules)
    assert raised.value.code is ErrorCode.INVALID_URL
    assert raised.value.field == "hook_url"
    assert raised.value.message.startswith("hook_url ")
    return raised.value


# -- what passes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example/payments/callback",
        "https://shop.example:8443/cb?order=1&x=%20y",
        "https://SHOP.Example/cb",
        "https://xn--80ak6aa92e.example/cb",
        "https://203.0.113.7/cb",
        "https://[2001:db8::1]:65535/cb",
        "https://shop.example",
    ],
)
def test_a_clean_absolute_url_is_returned_unchanged(url: str) -> None:
    assert check_url(url, field="hook_url") == url


# -- the text itself --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, 42, b"https://shop.example/cb", ["https://a.example"]])
def test_a_value_that_is_not_a_string_is_refused(value: Any) -> None:
    assert "string" in refusal(value).message


def test_an_empty_url_is_refused() -> None:
    assert "empty" in refusal("").message


@pytest.mark.parametrize(
    "url",
    [
        " https://shop.example/cb",
        "https://shop.example/cb ",
        "https://shop.example/cb\n",
        "\thttps://shop.example/cb",
        "https://shop.example/cb\u00a0",
        "\u3000https://shop.example/cb",
    ],
)
def test_whitespace_around_the_url_is_refused(url: str) -> None:
    assert "whitespace" in refusal(url).message


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.exa\tmple/cb",
        "https://shop.example/c\rb",
        "https://shop.example/c\nb",
        "https://shop.example/cb\x00.evil",
        "https://shop.example/cb?x=\x7f",
        "https://shop.example/cb?x=\x85&y=1",
        "https://shop.example/\x1bcb",
    ],
)
def test_control_characters_anywhere_are_refused(url: str) -> None:
    assert "control" in refusal(url).message


@pytest.mark.parametrize(
    "url",
    [
        "https://sh op.example/cb",
        "https://shop.example/c b",
        "https://shop.example/cb?q=a b",
        "https://shop.example/c\u2003b",
    ],
)
def test_spaces_anywhere_are_refused(url: str) -> None:
    assert "spaces" in refusal(url).message


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example/\u202ebc",
        "https://shop.example/cb\u2066",
        "https://shop.example/c\u200bb",
        "https://shop.example/c\u2028b",
    ],
)
def test_invisible_formatting_characters_anywhere_are_refused(url: str) -> None:
    assert "invisible" in refusal(url).message


def test_a_backslash_is_refused_because_clients_read_it_differently() -> None:
    assert "backslash" in refusal("https://shop.example\\@evil.example/cb").message


# -- scheme, host, credentials, port, fragment ----------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://shop.example/cb",
        "javascript://shop.example/%0aalert(1)",
        "file:///etc/passwd",
        "shop.example/cb",
        "//shop.example/cb",
        "/cb",
        "https:shop.example/cb",
        "https:/shop.example/cb",
    ],
)
def test_anything_but_an_absolute_http_or_https_url_is_refused(url: str) -> None:
    assert "must be an absolute http:// or https:// URL" in refusal(url, https_only=False).message


@pytest.mark.parametrize("url", ["https://", "https:///cb", "https://:443/cb", "http://?x=1"])
def test_a_url_without_a_host_is_refused(url: str) -> None:
    assert "host" in refusal(url, https_only=False).message


@pytest.mark.parametrize(
    "url",
    [
        "https://user:secret@shop.example/cb",
        "https://user@shop.example/cb",
        "https://@shop.example/cb",
        "https://shop.example@evil.example/cb",
    ],
)
def test_credentials_in_the_url_are_refused(url: str) -> None:
    assert "credentials" in refusal(url).message


@pytest.mark.parametrize(
    "url",
    [
        "https://shop\uff0eexample/cb",  # full-width full stop
        "https://shop\u3002example/cb",  # ideographic full stop
        "https://shop\uff61example/cb",  # half-width ideographic full stop
        "https://shop.ex\u0430mple/cb",  # Cyrillic a
        "https://\uff53hop.example/cb",  # full-width s
        "https://shop.example\uff0fcb",  # full-width solidus, read into the host
        "https://shop.example:\uff18\uff10/cb",  # full-width digits in the port
        "https://b\u00fccher.example/cb",  # an IDN not written in its xn-- form
    ],
)
def test_a_host_that_is_not_plain_ascii_is_refused(url: str) -> None:
    assert "ASCII" in refusal(url).message


@pytest.mark.parametrize("port", ["0", "65536", "99999", "123456", "abc", "", "-1", "+80", "8o"])
def test_a_port_that_is_not_1_to_65535_is_refused(port: str) -> None:
    assert "port" in refusal(f"https://shop.example:{port}/cb").message


LABELS = "has an invalid host: each dot-separated label"


@pytest.mark.parametrize(
    ("host", "problem"),
    [
        ("shop_x.example", LABELS),
        ("-shop.example", LABELS),
        ("shop-.example", LABELS),
        ("shop..example", LABELS),
        (".shop.example", LABELS),
        ("shop.example.", LABELS),
        ("sh!op.example", LABELS),
        ("shop.exa%6dple", LABELS),
        ("a" * 64 + ".example", LABELS),
        ("[shop.example]", "is not a well-formed URL"),
        ("[::1", "is not a well-formed URL"),
        ("[fe80::1%25eth0]", "must not have an IPv6 zone"),
    ],
)
def test_a_host_with_invalid_characters_or_labels_is_refused(host: str, problem: str) -> None:
    assert problem in refusal(f"https://{host}/cb").message


@pytest.mark.parametrize(
    "host", ["127.1", "0x7f.0.0.1", "2130706433", "127.000.0.1", "1.2.3.4.5", "256.1.1.1"]
)
def test_a_host_ending_in_a_number_must_be_a_plain_dotted_quad(host: str) -> None:
    assert "IPv4" in refusal(f"https://{host}/cb").message


def test_a_fragment_is_refused_by_default() -> None:
    assert "fragment" in refusal("https://shop.example/cb#done").message


def test_a_fragment_is_allowed_when_asked() -> None:
    url = "https://shop.example/thanks#/order/7"
    assert check_url(url, field="success_url", allow_fragment=True) == url


# -- https and loopback -----------------------------------------------------------------------


def test_https_only_refuses_plain_http() -> None:
    assert "HTTPS" in refusal("http://shop.example/cb").message


def test_plain_http_is_accepted_when_https_is_not_required() -> None:
    url = "http://shop.example/ok"
    assert check_url(url, field="success_url", https_only=False) == url


def test_plain_http_on_loopback_is_refused_unless_asked() -> None:
    assert refusal("http://127.0.0.1:8000/cb").message == "hook_url must use HTTPS"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/cb",
        "http://127.8.9.10/cb",
        "http://localhost:8000/cb",
        "http://LocalHost/cb",
        "http://[::1]:8000/cb",
    ],
)
def test_plain_http_on_a_true_loopback_host_is_accepted_when_asked(url: str) -> None:
    assert check_url(url, field="hook_url", allow_http_loopback=True) == url


@pytest.mark.parametrize(
    "url",
    [
        "http://127.attacker.example/cb",
        "http://127.0.0.1.nip.io/cb",
        "http://shop.localhost/cb",
        "http://localhost.attacker.example/cb",
        "http://[::ffff:127.0.0.1]/cb",
        "http://[::2]/cb",
        "http://128.0.0.1/cb",
        "http://shop.example/cb",
    ],
)
def test_plain_http_to_a_host_that_only_looks_local_is_refused(url: str) -> None:
    assert "loopback" in refusal(url, allow_http_loopback=True).message


def test_the_message_never_repeats_the_url_which_may_carry_a_token() -> None:
    error = refusal("https://shop.example/cb?token=s3cr3t-tok\x00en")
    assert "s3cr3t" not in str(error)


# -- is_loopback_host -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.255.255.254", "::1", "[::1]", "localhost", "LOCALHOST"]
)
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize(
    "host",
    [
        "127.attacker.example",
        "127.0.0.1.example",
        "a.localhost",
        "localhost.",
        "localhost.example",
        "127.1",
        "0x7f.0.0.1",
        "2130706433",
        "127.000.0.1",
        "::ffff:127.0.0.1",
        "[::1]:80",
        "::1%lo",
        "128.0.0.1",
        "0.0.0.0",
        "",
        None,
        2130706433,
    ],
)
def test_anything_else_is_not_loopback(host: object) -> None:
    assert not is_loopback_host(host)


def test_a_callback_url_on_plain_http_names_the_switch_that_allows_it_locally() -> None:
    from payments_core.urls import check_callback_url

    with pytest.raises(InvalidRequestError, match="allow_insecure_callback_url") as refused:
        check_callback_url("http://127.0.0.1:9000/cb", provider="acme", allow_insecure=False)
    assert refused.value.field == "callback_url"
    assert refused.value.provider == "acme"


def test_a_loopback_http_callback_allowed_by_the_provider_setting_logs_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from payments_core.urls import check_callback_url

    url = check_callback_url("http://127.0.0.1:9000/cb", provider="acme", allow_insecure=True)
    assert url == "http://127.0.0.1:9000/cb"
    assert "ACME callback URL on 127.0.0.1 uses plain http" in caplog.text
    with pytest.raises(InvalidRequestError, match="HTTPS"):
        check_callback_url("http://shop.example/cb", provider="acme", allow_insecure=True)


# -- ids that go into a gateway's URL path ----------------------------------------------------

PATH_IDS: list[tuple[object, bool]] = [
    ("a", True),
    ("0", True),
    ("order-1", True),
    ("8c2b1e4e-1f6a-4e0b-9f4c-2a1d3c5b6e7f", True),
    ("ORD_2024.01:7", True),
    ("x" * 128, True),
    ("x" * 129, False),
    ("", False),
    ("-leading-dash", False),
    (".hidden", False),
    ("_underscore", False),
    ("a/b", False),
    ("../orders", False),
    ("a%2Fb", False),
    ("a b", False),
    ("a?x=1", False),
    ("a#frag", False),
    ("abc\n", False),
    ("caf\u00e9", False),
    (None, False),
    (42, False),
    (b"abc", False),
]
"""Each row: a value, and whether it may go into a URL path as a gateway's id."""


@pytest.mark.parametrize(("value", "accepted"), PATH_IDS)
def test_a_path_id_is_accepted_only_when_the_pattern_takes_it_whole(
    value: object, accepted: bool
) -> None:
    assert is_path_id(value) is accepted
    if isinstance(value, str):
        assert (PATH_ID.fullmatch(value) is not None) is accepted


def test_the_same_url_is_judged_by_each_calls_own_rules() -> None:
    url = "http://127.0.0.1:8000/callback#frag"
    for _ in range(2):  # the second round meets remembered answers
        with pytest.raises(InvalidRequestError, match="fragment"):
            check_url(url, field="callback_url", allow_http_loopback=True)
        assert (
            check_url(url, field="callback_url", allow_http_loopback=True, allow_fragment=True)
            == url
        )
        with pytest.raises(InvalidRequestError, match="must use HTTPS"):
            check_url(url, field="callback_url", allow_fragment=True)
        assert check_url(url, field="return_url", https_only=False, allow_fragment=True) == url


class _Unhashable(str):
    __hash__ = None  # type: ignore[assignment]


def test_a_str_subclass_is_judged_on_its_own() -> None:
    with pytest.raises(InvalidRequestError, match="absolute http"):
        check_url(_Unhashable("shop.example/cb"), field="callback_url")


@pytest.mark.parametrize(
    "url",
    [
        "https://shop.example/cb?token=s3cr3t",
        "https://user:s3cr3t@shop.example/cb",
        "https://shop.example/" + "a" * 600,
    ],
    ids=["query", "user info", "long"],
)
def test_a_url_that_may_carry_a_token_is_not_kept_after_its_check(url: str) -> None:
    from payments_core.urls import _remembered_problem

    _remembered_problem.cache_clear()
    check_url("https://shop.example/callback", field="callback_url")
    assert _remembered_problem.cache_info().currsize == 1  # a plain URL is kept
    with contextlib.suppress(InvalidRequestError):  # refused or not, it is not kept
        check_url(url, field="callback_url")
    assert _remembered_problem.cache_info().currsize == 1
