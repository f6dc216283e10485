"""The `make bench-*` programs, outside the product package."""
