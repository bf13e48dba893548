# NLP4LP prob_000 as Pyomo code, written by benchmarks/formulate_replay.py from the gold LP.
import pyomo.environ as pyo

model = pyo.ConcreteModel()
model.CondoInvestment = pyo.Var(within=pyo.Reals, bounds=(0.0, None))
model.DetachedInvestment = pyo.Var(within=pyo.Reals, bounds=(20000.0, None))
model.c0 = pyo.Constraint(expr=1.0 * model.CondoInvestment + 1.0 * model.DetachedInvestment <= 760000.0)
model.c1 = pyo.Constraint(expr=0.8 * model.CondoInvestment + -0.2 * model.DetachedInvestment >= 0.0)
model.c2 = pyo.Constraint(expr=1.0 * model.DetachedInvestment >= 20000.0)
model.objective = pyo.Objective(expr=0.5 * model.CondoInvestment + 1.0 * model.DetachedInvestment, sense=pyo.maximize)
