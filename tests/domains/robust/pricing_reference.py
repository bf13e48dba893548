"""The robust knapsack's pricing DP as it was before its vectorised rewrite, kept to check that rewrite bit for bit.

A verbatim copy of ``optarium.domains.robust.knapsack.price`` at commit fc2a73e (only the imports are new); the
current ``price`` must give the same best value and the same columns, float for float, on every input.
"""

from __future__ import annotations

import numpy as np

from optarium.domains.robust.knapsack import Knapsack, Pattern, adversary_order, price_tables


def price(data: Knapsack, nu: np.ndarray, beta: np.ndarray, lower: np.ndarray, upper: np.ndarray,
          columns: int = 1, tables: np.ndarray | None = None) -> tuple[float, list[Pattern]]:
    """The best value of a (chosen set, filling) against the policy ``mu_i(S) = nu_i + beta[position of i in S]`` (exact
    DP), and the best columns for up to ``columns`` final positions (the best first).

    Maximises ``sum_S (p - f) + sum f y - sum p_hat mu(S) (y - r)`` over chosen sets ``lower <= S <= upper`` and
    fillings of the knapsack; positions from ``len(beta)`` on get no extra weight. The state is (positions used, capped
    at ``len(beta)``; capacity used). ``tables`` (from :func:`price_tables`, reused between calls) saves allocating the
    DP's tables on each call.
    """
    n, capacity, count = data.size, data.capacity, beta.size
    if tables is None or tables.shape != (n + 1, count + 1, capacity + 1):
        tables = price_tables(data, count)
    hit = np.append(beta, 0.0)
    order = adversary_order(data)
    choices: list[tuple[tuple[int, np.ndarray, int], ...]] = []
    for i in order:
        if upper[i] < 0.5:
            choices.append(())
            continue
        profit, weight = float(data.profit[i]), int(data.weight[i])
        every: tuple[tuple[int, np.ndarray, int], ...] = (
            (0, np.full(count + 1, profit - data.outsourcing[i]), 0),  # chosen and outsourced
            (1, profit - data.degradation[i] * (nu[i] + hit), weight),  # produced, not repaired
            (2, np.full(count + 1, profit), weight + int(data.repair[i])))  # produced and repaired
        choices.append(tuple(option for option in every if option[2] <= capacity))
    # table t holds the best value over the first t items (in ``order``) per (places, capacity used at most c); only
    # places 0..rows[t] can be reached, only capacities up to reach[t] differ (beyond, the value is that at reach[t]),
    # and only capacities from low[t] on can still lead to the full capacity, the one answer read
    most = [max((used for _, _, used in options), default=0) for options in choices]
    rows, reach = [0], [0]
    for t in range(n):
        rows.append(min(rows[t] + (1 if choices[t] else 0), count))
        reach.append(min(capacity, reach[t] + most[t]))
    remaining = [*np.cumsum(most[::-1])[::-1].tolist(), 0]
    low = [min(max(0, capacity - remaining[t]), reach[t]) for t in range(n + 1)]
    tables[0, 0, :1] = 0.0
    scratch = np.empty((count + 1, capacity + 1))
    for t, options in enumerate(choices):
        best, new = tables[t], tables[t + 1]
        top, room, above, after, start = rows[t], reach[t], rows[t + 1], reach[t + 1], low[t + 1]
        if not options:
            new[:top + 1, start:after + 1] = best[:top + 1, start:after + 1]
            continue
        best[:top + 1, room + 1:after + 1] = best[:top + 1, room:room + 1]  # the same value beyond the old reach
        if lower[order[t]] > 0.5:
            new[:above + 1, start:after + 1] = -np.inf
        else:
            new[:top + 1, start:after + 1] = best[:top + 1, start:after + 1]
            new[top + 1:above + 1, start:after + 1] = -np.inf
        shifted = min(top + 1, count)  # source places 0..shifted-1 move to 1..shifted
        for _, value, used in options:
            first = max(start, used)
            span = after + 1 - first
            if span <= 0:
                continue
            source = slice(first - used, after + 1 - used)
            if shifted:
                part = scratch[:shifted, :span]
                np.add(best[:shifted, source], value[:shifted, None], out=part)
                np.maximum(new[1:shifted + 1, first:after + 1], part, out=new[1:shifted + 1, first:after + 1])
            if top == count:  # the last place (no extra weight) stays where it is
                part = scratch[count, :span]
                np.add(best[count, source], value[count], out=part)
                np.maximum(new[count, first:after + 1], part, out=new[count, first:after + 1])

    def value_at(t: int, state: int, room: int) -> float:
        return float(tables[t, state, min(room, reach[t])]) if state <= rows[t] else -np.inf

    def trace(state: int) -> Pattern:
        room, target = capacity, value_at(n, state, capacity)
        chosen, produced, repaired = np.zeros(n), np.zeros(n), np.zeros(n)
        position_exposure = np.zeros(count)
        for t in range(n - 1, -1, -1):
            i, options = order[t], choices[t]
            if lower[i] < 0.5 and value_at(t, state, room) == target:
                continue  # not chosen
            for option, amount, used in options:
                if used > room:
                    continue
                sources = (state - 1, state) if state == count else (state - 1,)
                source = next((k for k in sources if k >= 0 and value_at(t, k, room - used) + amount[k] == target), None)
                if source is None:
                    continue
                chosen[i] = 1.0
                produced[i] = 1.0 if option >= 1 else 0.0
                repaired[i] = 1.0 if option == 2 else 0.0
                if option == 1 and source < count:
                    position_exposure[source] += data.degradation[i]
                state, room = source, room - used
                target = value_at(t, state, room)
                break
            else:  # pragma: no cover - the table always holds the step that reached it
                raise RuntimeError("knapsack pricing could not trace its optimum back")
        exposure = data.degradation * (produced - repaired)
        value = float(data.profit @ chosen - data.outsourcing @ (chosen - produced))
        return Pattern(chosen, produced, repaired, value, exposure, position_exposure)

    final = np.array([value_at(n, k, capacity) for k in range(count + 1)])
    ranked = np.argsort(-final, kind="stable")
    ends = [int(k) for k in ranked[:columns] if np.isfinite(final[k])]
    return float(final[ends[0]]), [trace(k) for k in ends]
