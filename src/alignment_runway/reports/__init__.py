"""Figures and reports drawn from results (matplotlib is imported only here)."""
