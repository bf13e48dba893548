"""Solver backends behind one interface, and the plan that picks one."""
