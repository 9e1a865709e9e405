"""The booking rules as one service (DESIGN §5-§7), built from its three parts: what people
do (lifecycle.py), what time does (due.py) and ratings (ratings.py)."""

from __future__ import annotations

from core.booking.base import BookingError, CancelQuote, Offering, SlotTaken
from core.booking.due import TimeDriven
from core.booking.groups import GroupFull, Groups
from core.booking.lifecycle import Lifecycle
from core.booking.ratings import Ratings

__all__ = ["BookingError", "Bookings", "CancelQuote", "GroupFull", "Offering", "SlotTaken"]


class Bookings(Lifecycle, TimeDriven, Ratings, Groups):
    pass
