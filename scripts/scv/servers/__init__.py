"""`scv servers report`: each server red, amber or green (updates, reboots, disks, certificates)."""

from scv.servers.report import print_report, run_report

__all__ = ["print_report", "run_report"]
