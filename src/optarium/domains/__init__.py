"""Problem families with their own formats, solvers and checks (routing, scheduling)."""
