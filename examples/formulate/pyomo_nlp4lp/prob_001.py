# NLP4LP prob_001 as Pyomo code, written by benchmarks/formulate_replay.py from the gold LP.
import pyomo.environ as pyo

model = pyo.ConcreteModel()
model.Regular = pyo.Var(within=pyo.Integers, bounds=(0.0, None))
model.Special = pyo.Var(within=pyo.Integers, bounds=(0.0, None))
model.c0 = pyo.Constraint(expr=2.0 * model.Regular + 3.0 * model.Special <= 40.0)
model.c1 = pyo.Constraint(expr=3.0 * model.Regular + 5.0 * model.Special <= 70.0)
model.objective = pyo.Objective(expr=3.0 * model.Regular + 4.0 * model.Special, sense=pyo.maximize)
