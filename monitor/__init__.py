"""opinion-monitor: tracks citizens' messages and crises against their response limits."""

__version__ = "0.1.0"
