"""rightful: data subject requests data reaches the person who asked, and nobody else."""

__version__ = "0.1.0"
