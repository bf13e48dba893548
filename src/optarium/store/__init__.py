"""The run store (SQLAlchemy: SQLite by default, PostgreSQL by URL)."""

from optarium.store.core import Store, default_url, open_store

__all__ = ["Store", "default_url", "open_store"]
