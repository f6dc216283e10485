"""What every package uses: errors users see, paths, YAML with line numbers, config schemas,
SQL quoting, manifests and progress bars."""
