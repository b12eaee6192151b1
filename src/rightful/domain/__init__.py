"""The pure core of rightful: no framework, no I/O; the standard library and small libraries."""
