"""Persistence (SQLAlchemy 2): the append-only event log and a snapshot of live state."""

from .db import Store

__all__ = ["Store"]
