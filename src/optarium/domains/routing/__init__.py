"""Vehicle routing: read VRPLIB/CSV instances, solve with PyVRP on the one flow, verify, learn warm starts.

Entry points: :func:`read_instance`, :func:`solve_routing` (returns the shared
:class:`~optarium.solution.Solution`, routes as payload), :func:`verify_routes`
(returns the shared :class:`~optarium.solution.Verification`), and the
settings :class:`RouteSettings` and :class:`WarmStartOptions`.
"""

from __future__ import annotations

from optarium.domains.routing.instance import RoutingInstance, read_instance
from optarium.domains.routing.settings import RouteSettings, WarmStartOptions
from optarium.domains.routing.solve import solve_routing
from optarium.domains.routing.verify import verify_routes

__all__ = ["RouteSettings", "RoutingInstance", "WarmStartOptions", "read_instance", "solve_routing", "verify_routes"]
