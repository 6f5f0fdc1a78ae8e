"""The conformance kit's machinery: facades built from a target, and plain-words checks.

Scenarios (:mod:`payments_core.testing.scenarios`) read as a story (create, pay,
refund, look again); the helpers here do the bookkeeping and turn every broken
expectation into one sentence that says what the provider did and what the
contract wants instead. They raise ``AssertionError`` and need no pytest.

* :mod:`~payments_core.testing.harness.calls`: calling the facade, failing in plain words;
* :mod:`~payments_core.testing.harness.results`: checks of returned models and of the
  order of a payment's states;
* :mod:`~payments_core.testing.harness.sessions`: providers and facades built from the
  target, the customer's step and callback delivery;
* :mod:`~payments_core.testing.harness.leaks`: where secrets must not show up.
"""
