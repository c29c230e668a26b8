"""wildwatch: keep wildlife trafficking off the internet."""

__version__ = "0.1.0"
