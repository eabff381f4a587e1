"""The demo school: simulated school years built through the records services.

``simulation.school`` runs the years (:class:`~simulation.school.SchoolSimulation`,
:func:`~simulation.school.simulate`); each phase of a year is a module of
functions on the shared :class:`~simulation.state.SchoolState`: ``staffing``,
``movements``, ``lessons``, ``grades``, ``year_end``, ``exams``, ``attestats``,
``achievements``. The school as data is in ``curriculum``, ``calendar`` and
``chances``. ``simulation.builder`` sets a small school up; the demo, the tests
and the benchmarks all build their schools with it. `letopis demo` is
``api/cli/demo.py``.
"""
