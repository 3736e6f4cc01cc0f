"""Audience & lead segmentation warehouse: the Python side (demo data, ML helpers, CLI)."""

__version__ = "0.1.0"
