# NLP4LP prob_003 as Pyomo code, written by benchmarks/formulate_replay.py from the gold LP.
import pyomo.environ as pyo

model = pyo.ConcreteModel()
model.LongCables = pyo.Var(within=pyo.Integers, bounds=(10.0, None))
model.ShortCables = pyo.Var(within=pyo.Integers, bounds=(0.0, None))
model.c0 = pyo.Constraint(expr=10.0 * model.LongCables + 7.0 * model.ShortCables <= 1000.0)
model.c1 = pyo.Constraint(expr=-5.0 * model.LongCables + 1.0 * model.ShortCables >= 0.0)
model.objective = pyo.Objective(expr=12.0 * model.LongCables + 5.0 * model.ShortCables, sense=pyo.maximize)
