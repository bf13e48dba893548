"""Vehicle routing: read VRPLIB/CSV instances, solve with PyVRP, verify, learn warm starts.

Entry points: :func:`read_instance`, :func:`solve_routing`, :func:`verify_routes`.
"""

from __future__ import annotations

from optarium.domains.routing.instance import RoutingInstance, read_instance
from optarium.domains.routing.solve import RoutingResult, solve_routing
from optarium.domains.routing.verify import RouteCheck, verify_routes

__all__ = ["RouteCheck", "RoutingInstance", "RoutingResult", "read_instance", "solve_routing", "verify_routes"]
