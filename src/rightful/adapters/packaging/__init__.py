"""Writing access packages: the streamed ZIP, per-collection spools and index.html."""
