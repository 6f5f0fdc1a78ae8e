"""The conformance scenarios, by theme; :mod:`payments_core.testing.suite` orders them.

The lifecycle scenarios (create, pay, refund, capture, void) are rows of one
table (:mod:`~payments_core.testing.scenarios.lifecycle`, shaped by
:mod:`~payments_core.testing.scenarios.rows`) that one runner
(:mod:`~payments_core.testing.scenarios.runner`) carries out. Scenarios of
their own shape are functions in a module per theme: structure, ordering, errors,
idempotency, broken answers, callbacks, secrets, the async facade. Each says
what it needs from the provider's declaration
(:mod:`~payments_core.testing.scenarios.needs`).
"""
