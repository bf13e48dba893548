"""Job-shop scheduling, the ``jobshop`` problem kind: instances, CP-SAT, dispatching rules, a learned rule,
verification, Gantt charts.

Import from the submodules (``instance``, ``kind``, ``settings``, ``solve``, ``cp``,
``rules``, ``learned``, ``verify``, ``plot``); this package loads nothing heavy.
"""
