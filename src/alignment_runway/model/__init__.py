"""The model: pure, vectorized equations in canonical units. No I/O, units or printing here."""
