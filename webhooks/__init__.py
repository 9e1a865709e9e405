"""aiohttp endpoints that platforms and gateways call (signature checks first)."""
