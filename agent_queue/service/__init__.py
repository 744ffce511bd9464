"""The ACD service: aiohttp REST API, WebSocket CTI stream, timers, screen pops."""
