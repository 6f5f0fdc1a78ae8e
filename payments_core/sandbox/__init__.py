"""The shared plumbing of the gateway emulators (payments_bog.sandbox, payments_tbc.sandbox).

Every emulator of a bank needs the same machinery around its own rules: a clock tests
can move, logs and record books that stay bounded in long load tests, an endpoint
table, faults on demand, the in-process httpx transports, a loopback-only uvicorn
server and a token book. That machinery lives here once, in small modules named after
what they hold:

- :mod:`.bounded` - capped logs and per-key counts;
- :mod:`.book` - the book of orders or payments: those in use, and the recent finished;
- :mod:`.due` - expiries and delayed actions, taken in due order;
- :mod:`.clock` - the emulated "now" and how tests move it forward;
- :mod:`.endpoints` - from (method, path) to an endpoint's name;
- :mod:`.faults` - the fault kinds, their checks and the book of armed faults;
- :mod:`.injector` - the ASGI middleware that fires them (Starlette);
- :mod:`.stack` - the layers of an emulator's app: routes, faults, request log;
- :mod:`.loopback` - which hosts count as this machine;
- :mod:`.tokens` - remembering issued access tokens until they expire;
- :mod:`.transport` - httpx transports that reach an emulator in process;
- :mod:`.server` - serving an emulator for real on loopback (uvicorn).

It holds no payment logic: each gateway's statuses, validation, answers and pages
stay in its own emulator, and so does what counts as an order or payment in use. And
it imports nothing from the rest of ``payments_core``, so an emulator stays
independent of the client it is there to test. Starlette and uvicorn are imported
only by the modules that serve HTTP (:mod:`.injector`, :mod:`.stack`,
:mod:`.server`); the providers' ``[sandbox]`` extras install them, and
``import payments_core`` never loads this package.
"""
