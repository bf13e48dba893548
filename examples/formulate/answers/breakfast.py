# What an LLM answers for breakfast.txt (the code part): a Pyomo ConcreteModel named `model`.
import pyomo.environ as pyo

model = pyo.ConcreteModel()
model.regular = pyo.Var(within=pyo.NonNegativeIntegers)
model.special = pyo.Var(within=pyo.NonNegativeIntegers)
model.eggs = pyo.Constraint(expr=2 * model.regular + 3 * model.special <= 40)
model.bacon = pyo.Constraint(expr=3 * model.regular + 5 * model.special <= 70)
model.profit = pyo.Objective(expr=3 * model.regular + 4 * model.special, sense=pyo.maximize)
