"""A minimal Django shop on payments-core: one checkout view, one signal receiver.

``python -m examples.django_shop migrate``, ``... createcachetable`` and ``...
runserver``; see ``README.md``. Its tests run with the repository's (``tests/``).
"""
