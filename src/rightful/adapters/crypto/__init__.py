"""Cryptographic formats used at the edges (the age file format for passphrase packages)."""
