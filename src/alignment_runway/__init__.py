"""alignment-runway: how much alignment research automated AI could deliver during a lead.

The public entry point is :mod:`alignment_runway.api`.
"""

__version__ = "0.2.0"
__all__ = ["__version__"]
