"""``python -m examples.fastapi_shop``: serve the shop on 127.0.0.1:8000 with uvicorn.

The gateway comes from the TOML file ``PAYMENTS_CONFIG`` names, or is the dummy.
"""

from __future__ import annotations

import uvicorn

from examples.fastapi_shop.app import create_app

if __name__ == "__main__":
    uvicorn.run(create_app(), host="127.0.0.1", port=8000)
