"""BOG's JSON, as private pydantic models: what we send and how we read what comes back.

* :mod:`~payments_bog.wire.lenient`: field types that read BOG's loose scalars
  (amounts as strings or numbers, two date styles, ``null`` lists);
* :mod:`~payments_bog.wire.answers`: what BOG sends (receipts, callbacks, answers
  to our requests) and :func:`read`, the one way a body becomes a model;
* :mod:`~payments_bog.wire.bodies`: what we send (the create-order body).

Nothing here leaves the package: the provider translates these shapes into the
core's models. Import from the submodule that holds a name; the few names below
are re-exported only because the tests read them from here.
"""

from payments_bog.wire.answers import Receipt, json_object, read
from payments_bog.wire.bodies import OutBasketItem

__all__ = ["OutBasketItem", "Receipt", "json_object", "read"]
