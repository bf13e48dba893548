# NLP4LP prob_007 as Pyomo code, written by benchmarks/formulate_replay.py from the gold LP.
import pyomo.environ as pyo

model = pyo.ConcreteModel()
model.Feed_A = pyo.Var(within=pyo.Reals, bounds=(0.0, None))
model.Feed_B = pyo.Var(within=pyo.Reals, bounds=(0.0, None))
model.c0 = pyo.Constraint(expr=10.0 * model.Feed_A + 7.0 * model.Feed_B >= 30.0)
model.c1 = pyo.Constraint(expr=8.0 * model.Feed_A + 15.0 * model.Feed_B >= 50.0)
model.objective = pyo.Objective(expr=100.0 * model.Feed_A + 80.0 * model.Feed_B, sense=pyo.minimize)
