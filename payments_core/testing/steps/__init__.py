"""Steps the conformance scenarios share: create, pay, operate, look again, forge, break.

* :mod:`~payments_core.testing.steps.story`: the payment's story, each step checked;
* :mod:`~payments_core.testing.steps.forgery`: callbacks and answers the kit changes;
* :mod:`~payments_core.testing.steps.wire_faults`: the calls the kit breaks the wire
  under, and the checks of what was sent.
"""
