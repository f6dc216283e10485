"""`scv uptime`: every site checked every five minutes, incidents, alerts and the status page."""

from scv.uptime.check import run_check, run_issues
from scv.uptime.check import validate as validate_uptime
from scv.uptime.status_page import run_report as write_status_page

__all__ = ["run_check", "run_issues", "validate_uptime", "write_status_page"]
