# NLP4LP prob_006 as Pyomo code, written by benchmarks/formulate_replay.py from the gold LP.
import pyomo.environ as pyo

model = pyo.ConcreteModel()
model.chairs = pyo.Var(within=pyo.Integers, bounds=(0.0, None))
model.dressers = pyo.Var(within=pyo.Integers, bounds=(0.0, None))
model.c0 = pyo.Constraint(expr=1.4 * model.chairs + 1.1 * model.dressers <= 17.0)
model.c1 = pyo.Constraint(expr=2.0 * model.chairs + 3.0 * model.dressers <= 11.0)
model.objective = pyo.Objective(expr=43.0 * model.chairs + 52.0 * model.dressers, sense=pyo.maximize)
