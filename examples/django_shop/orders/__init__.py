"""The shop's one app: orders, the checkout view, and the receiver that marks them paid."""
