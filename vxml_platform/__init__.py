"""The supervisor: the whole platform as one product (ARCHITECTURE.md, "The platform as one
product"). ``vxml-platform up`` starts the app server with the sample apps, the agent queue
service with a demo team, and the SIP worker pool behind Kamailio, in that order; it watches
them, restarts a part that dies (with backoff) and stops them all. It owns no domain logic:
each part is its own command (``vxml-app-server``, ``agent-queue``, ``vxml-browser sip``),
started with a config file this package writes from ``platform.toml``.

- ``config.py``: ``platform.toml`` and its defaults (every one runs on this machine).
- ``parts.py``: each part's command, config file and health check.
- ``health.py``: the probes (HTTP, SIP OPTIONS).
- ``supervisor.py``: start order, restarts (``Backoff``), logs by part, the status file, stop.
- ``cli.py``: ``vxml-platform up | status | console``.
"""
