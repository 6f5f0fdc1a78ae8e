"""``python -m payments_core.cli``: the ``payments`` command without its console script."""

from payments_core.cli import main

if __name__ == "__main__":
    main()
