"""The demo estate: Hearthly, a fictional smart-speaker company; data map and ground truth."""

from rightful.demo.estate import DemoCustomer, DemoEstate, EstateRow, expected_records
from rightful.demo.loaders import load_demo_sql, seed_demo

__all__ = [
    "DemoCustomer",
    "DemoEstate",
    "EstateRow",
    "expected_records",
    "load_demo_sql",
    "seed_demo",
]
