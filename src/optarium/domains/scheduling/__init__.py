"""Job-shop scheduling: instances, CP-SAT, dispatching rules, a learned rule, verification, Gantt charts.

Import from the submodules (``instance``, ``cp``, ``rules``, ``learned``,
``verify``, ``plot``, ``solve``); this package loads nothing heavy.
"""
