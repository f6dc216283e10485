"""A client's delivered files: found, sniffed, read and loaded, every row loaded or rejected."""

from scv.delivery.load import LoadedFile, inbox_files, load_delivery
from scv.delivery.read import TABLE, Table, read_tables
from scv.delivery.sniff import DELIMITER_NAMES

__all__ = ["DELIMITER_NAMES", "TABLE", "LoadedFile", "Table", "inbox_files", "load_delivery", "read_tables"]
