"""Every table module, imported in one place so Alembic and the schema check see all tables.

A feature that adds tables in its own module adds one import here.
"""

from __future__ import annotations

from sqlalchemy import MetaData


def all_metadata() -> MetaData:
    import core.booking.joins
    import core.booking.tables
    import core.db.changes
    import core.db.inbound
    import core.db.matching
    import core.db.schema
    import core.ledger.tables

    return core.db.schema.Base.metadata
