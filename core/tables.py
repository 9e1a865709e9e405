"""Every table module, imported in one place so Alembic and the schema check see all tables.

A feature that adds tables in its own module adds one import here.
"""

from __future__ import annotations

from sqlalchemy import MetaData

import core.booking.joins
import core.booking.room_chat
import core.booking.tables
import core.db.badges
import core.db.busy
import core.db.changes
import core.db.communities
import core.db.disputes
import core.db.dms
import core.db.feeds
import core.db.follows
import core.db.funnel
import core.db.groups
import core.db.inbound
import core.db.invites
import core.db.kv
import core.db.matching
import core.db.moderation
import core.db.places
import core.db.posts
import core.db.quiet
import core.db.relay
import core.db.safety
import core.db.suspensions
import core.db.swaps
import core.db.trust
import core.db.verification
import core.db.wishes
import core.ledger.tables
import core.services.announcements
from core.db.schema import Base

# Imported for what they declare: each module's tables join Base.metadata.
_TABLE_MODULES = (
    core.booking.joins,
    core.booking.room_chat,
    core.booking.tables,
    core.db.badges,
    core.db.busy,
    core.db.changes,
    core.db.communities,
    core.db.disputes,
    core.db.dms,
    core.db.feeds,
    core.db.follows,
    core.db.funnel,
    core.db.groups,
    core.db.inbound,
    core.db.invites,
    core.db.kv,
    core.db.matching,
    core.db.moderation,
    core.db.places,
    core.db.posts,
    core.db.relay,
    core.db.suspensions,
    core.db.trust,
    core.db.verification,
    core.db.safety,
    core.db.swaps,
    core.db.wishes,
    core.ledger.tables,
    core.services.announcements,
)


def all_metadata() -> MetaData:
    return Base.metadata
