"""Matching's tables (DESIGN §8): stored profile embeddings, the interaction log, settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class MentorEmbedding(Base):
    """A mentor profile's text embedding (float32 bytes), recomputed when the text changes."""

    __tablename__ = "match_embeddings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    model: Mapped[str] = mapped_column(String(64), primary_key=True)
    text_hash: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime]


class MatchEvent(Base):
    """Impressions, clicks, requests, completions and ratings, per ranking variant."""

    __tablename__ = "match_events"
    __table_args__ = (
        Index("ix_match_events_variant_kind", "variant", "kind"),
        Index("ix_match_events_learner", "learner_id", "mentor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    variant: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16))
    position: Mapped[int | None] = mapped_column(Integer)
    features: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(index=True)


class MatchSetting(Base):
    """Admin-changeable matching settings (blend weights, experiment), one JSON value per key."""

    __tablename__ = "match_settings"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class MatchModel(Base):
    """A trained matching model published by the worker that retrains (issue 21, part 7);
    the other workers load the newest version instead of fitting their own. `data` is a
    compressed numpy archive read without pickle (matching/artefacts.py)."""

    __tablename__ = "match_models"

    version: Mapped[int] = mapped_column(primary_key=True)
    worker: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
