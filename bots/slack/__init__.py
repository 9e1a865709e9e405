"""Slack: slack-bolt (async) on the main aiohttp app; dialogs in the DM with Block Kit."""
