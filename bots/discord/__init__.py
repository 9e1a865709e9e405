"""Discord: discord.py 2 — application commands, components and the notification channel."""
