"""A minimal FastAPI shop on payments-core: checkout, the webhook router, orders marked paid."""
