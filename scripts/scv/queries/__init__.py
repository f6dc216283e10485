"""The client in the loop: a build's queries emailed to the client's contacts, and reminders."""

from scv.queries.mail import remind, require_delivered, send_queries

__all__ = ["remind", "require_delivered", "send_queries"]
