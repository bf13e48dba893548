# NLP4LP prob_005 as Pyomo code, written by benchmarks/formulate_replay.py from the gold LP.
import pyomo.environ as pyo

model = pyo.ConcreteModel()
model.z_tube = pyo.Var(within=pyo.Integers, bounds=(0.0, None))
model.soorchle = pyo.Var(within=pyo.Integers, bounds=(0.0, None))
model.wassa = pyo.Var(within=pyo.Integers, bounds=(0.0, None))
model.c0 = pyo.Constraint(expr=1000.0 * model.z_tube + 200.0 * model.soorchle + 100.0 * model.wassa <= 10000.0)
model.c1 = pyo.Constraint(expr=1.0 * model.soorchle <= 15.0)
model.c2 = pyo.Constraint(expr=-1.0 * model.z_tube + -1.0 * model.soorchle + 2.0 * model.wassa <= 0.0)
model.c3 = pyo.Constraint(expr=19.0 * model.z_tube + -1.0 * model.soorchle + -1.0 * model.wassa >= 0.0)
model.objective = pyo.Objective(expr=400000.0 * model.z_tube + 5000.0 * model.soorchle + 3000.0 * model.wassa, sense=pyo.maximize)
