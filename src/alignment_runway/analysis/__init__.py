"""Analysis of Monte Carlo results: summaries with their Monte Carlo error."""
