"""Helpers the tests share; no test module imports another test module.

``pg`` makes throwaway PostgreSQL databases (the benchmarks use it too),
``stores`` the initialised stores of the ``store`` fixtures, ``rawsql`` raw row
access as an attacker would have it, ``notes`` a tiny test vocabulary,
``sealed`` a sealed store of signed notes, ``records`` and ``marked`` school
records written through the services, ``serving`` a small school served over
HTTP, ``cli`` the `letopis` command in a subprocess.
"""
