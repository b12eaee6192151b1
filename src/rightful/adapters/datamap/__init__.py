"""Data map readers: Fides dataset YAML with rightful's extension."""
