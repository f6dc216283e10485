"""scv: single customer view builds, checks and sites for many clients."""

__version__ = "0.1.0"
