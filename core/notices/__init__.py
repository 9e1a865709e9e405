"""What people are told when something happens: one handler per event type (see table.py)."""
