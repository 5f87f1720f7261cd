"""The engine: orchestration below the public API, the same for every interface.

Scenario to model inputs, runs, races, sensitivity, the development loop, the essay study,
recorded runs, and the steps after a run (export, record, report, figures). Interfaces reach
it through ``alignment_runway.api``.
"""
