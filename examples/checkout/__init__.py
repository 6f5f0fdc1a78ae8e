"""The checkout a shop writes once, run unchanged on any gateway chosen by configuration."""
