"""Bookings: slots, requests, confirmations, reminders, completion and ratings (DESIGN §6-7)."""
