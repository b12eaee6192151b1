"""rightful: data subject requests fulfilled so that the data reaches that person and nobody else."""

__version__ = "0.1.0"
