"""The hub's HTTP API for member platforms: listing checks, search intercepts, library releases, decisions."""
