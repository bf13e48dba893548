# NLP4LP prob_004 as Pyomo code, written by benchmarks/formulate_replay.py from the gold LP.
import pyomo.environ as pyo

model = pyo.ConcreteModel()
model.SeniorCitizens = pyo.Var(within=pyo.Integers, bounds=(0.0, None))
model.YoungAdults = pyo.Var(within=pyo.Integers, bounds=(0.0, None))
model.c0 = pyo.Constraint(expr=500.0 * model.SeniorCitizens + 750.0 * model.YoungAdults <= 30000.0)
model.c1 = pyo.Constraint(expr=1.0 * model.SeniorCitizens + 1.0 * model.YoungAdults >= 50.0)
model.c2 = pyo.Constraint(expr=1.0 * model.YoungAdults >= 10.0)
model.c3 = pyo.Constraint(expr=-1.0 * model.SeniorCitizens + 3.0 * model.YoungAdults >= 0.0)
model.objective = pyo.Objective(expr=500.0 * model.SeniorCitizens + 750.0 * model.YoungAdults, sense=pyo.minimize)
