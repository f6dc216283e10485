"""The client in the loop: queries mailed to the client, reminders, and their answers recorded."""

from scv.queries.answer import answer as answer_query
from scv.queries.answer import answer_lines
from scv.queries.mail import remind, require_delivered, send_queries, sent_lines

__all__ = ["answer_lines", "answer_query", "remind", "require_delivered", "send_queries", "sent_lines"]
