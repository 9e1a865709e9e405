"""Slack's request URLs under MENTORBOT_PUBLIC_URL (served by webhooks/slack.py)."""

EVENTS_PATH = "/webhooks/slack/events"  # Events API, the /mentor command and interactivity
INSTALL_PATH = "/webhooks/slack/install"
REDIRECT_PATH = "/webhooks/slack/oauth_redirect"
