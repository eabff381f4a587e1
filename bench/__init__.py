"""Benchmarks: each compares Letopis with a baseline measured in the same run.

Every public module here (a name without a leading underscore) is one benchmark
with a ``run(console)`` function that measures, prints its table and writes its
figures to ``bench/results/<name>.json``. ``python -m bench`` runs them all.
Figures are printed, never asserted (STYLE §10).
"""
