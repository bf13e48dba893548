# NLP4LP prob_002 as Pyomo code, written by benchmarks/formulate_replay.py from the gold LP.
import pyomo.environ as pyo

model = pyo.ConcreteModel()
model.RadioAds = pyo.Var(within=pyo.Integers, bounds=(0.0, None))
model.SocialMediaAds = pyo.Var(within=pyo.Integers, bounds=(0.0, None))
model.c0 = pyo.Constraint(expr=5000.0 * model.RadioAds + 9150.0 * model.SocialMediaAds <= 250000.0)
model.c1 = pyo.Constraint(expr=1.0 * model.RadioAds >= 15.0)
model.c2 = pyo.Constraint(expr=1.0 * model.RadioAds <= 40.0)
model.c3 = pyo.Constraint(expr=1.0 * model.SocialMediaAds >= 35.0)
model.objective = pyo.Objective(expr=60500.0 * model.RadioAds + 50000.0 * model.SocialMediaAds, sense=pyo.maximize)
