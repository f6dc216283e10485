"""Synthetic deliveries for the demo client, with the truth of who is who."""

from scv.demo.data import generate

__all__ = ["generate"]
