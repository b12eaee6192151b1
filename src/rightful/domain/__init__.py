"""The pure core of rightful: no framework, no I/O, only the standard library and small pure libraries."""
