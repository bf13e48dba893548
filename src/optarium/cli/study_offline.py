"""``optarium study propose`` and ``optarium study prefer``: proposals that evaluate nothing, from a table of
past experiments or from a finished study's learned Pareto set; registered on :data:`optarium.cli.study.app`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from optarium.cli.common import (
    JSON_OPTION,
    STORE_OPTION,
    argument_error,
    command,
    console,
    print_json,
)
from optarium.cli.study import NAME, _params, _reading, _space, app

if TYPE_CHECKING:
    from optarium.blackbox.space import Space

# the most candidates one offline proposal weighs (its pool of candidates on a continuous space)
MAX_PROPOSALS = 1000
# above this many points a discrete space is searched like a continuous one (as offline.propose does)
ENUMERATED = 50_000


@app.command("propose")
@command
def propose(
    from_table: Path = typer.Option(..., "--from-table", help="CSV of past experiments (header row; the objective is the last column unless --objective)."),
    k: int = typer.Option(10, "--k", help="How many new candidates to propose."),
    direction: str = typer.Option("maximize", "--direction", help="maximize (default) or minimize the objective."),
    objective: str | None = typer.Option(None, "--objective", help="The objective column (default: the last)."),
    space: Path | None = typer.Option(None, "--space", help="Space file (YAML); default: inferred from the table's columns."),
    method: str = typer.Option("batch", "--method", "-m", help="batch (default: a diverse batch, GP-BUCB over the IGNITE and ROOT surrogates), ignite (surrogate with its sharpness bounded, after IGNITE), root (distributional translation, after ROOT), naive (GP mean), random."),
    seed: int = typer.Option(0, "--seed", help="Seed for reproducible proposals."),
    as_json: bool = JSON_OPTION,
) -> int:
    """Propose K new candidates from a table of past experiments, evaluating nothing (offline optimization)."""
    import sys

    from optarium.blackbox.offline import METHODS, PREDICTED
    from optarium.blackbox.offline import propose as offline_propose
    from optarium.blackbox.table import read_table
    from optarium.errors import OptionError

    if k < 1:
        raise OptionError("--k", k, "a positive integer")
    if k > MAX_PROPOSALS:
        raise OptionError("--k", k, f"at most {MAX_PROPOSALS:,} (the candidates one proposal weighs)")
    if direction not in ("minimize", "maximize"):
        raise OptionError("--direction", direction, "minimize or maximize")
    if method not in METHODS:
        raise OptionError("--method", method, "one of " + ", ".join(METHODS))
    given = _space(space) if space is not None else None
    table_space, rows, values = read_table(from_table, objective, given)
    if PREDICTED in table_space.names:
        from optarium.blackbox.errors import TableError

        raise TableError(str(from_table), f"has a parameter column named {PREDICTED!r}, the key each proposal gives its "
                         "prediction under; rename the column")
    untried = _untried_count(table_space, rows)
    if untried == 0:
        from optarium.blackbox.errors import TableError

        raise TableError(str(from_table), "already holds every point of its space; there is nothing new to propose")
    if untried is not None and k > untried:
        raise OptionError("--k", k, f"at most {untried}, the points of the space the table has not tried")
    proposals = offline_propose(table_space, rows, values, k, direction=direction, method=method, seed=seed)
    if len(proposals) < k:
        sys.stderr.write(f"note: {len(proposals)} distinct candidates found, not {k}\n")
    if as_json:
        print_json(proposals)
        return 0
    for rank, proposal in enumerate(proposals, start=1):
        predicted = proposal.pop("predicted")
        shown = "" if predicted is None else f"predicted {predicted:.6g}: "
        console().print(f"{rank}. {shown}{_params(proposal)}", markup=False)
    return 0


@app.command("prefer")
@command
def prefer(
    name: str = NAME,
    weights: str = typer.Option(..., "--weights", help="The trade-off: one non-negative weight per objective, comma-separated "
                                "(more weight asks for a better value of that objective), e.g. 0.8,0.2."),
    steps: int = typer.Option(300, "--steps", help="Training steps of the Pareto set model."),
    seed: int = typer.Option(0, "--seed", help="Seed for a reproducible model."),
    store: str | None = STORE_OPTION,
    as_json: bool = JSON_OPTION,
) -> int:
    """After a study of several objectives: the parameters its learned Pareto set gives for a preference
    (after SVH-PSL), with the surrogates' predicted values; evaluates and writes nothing."""
    from optarium.blackbox.study import Study
    from optarium.errors import OptionError

    if steps < 1:
        raise OptionError("--steps", steps, "a positive integer")
    study = Study.load(name, _reading(store))
    expected = f"{len(study.directions)} non-negative weights, one per objective, not all zero"
    try:
        preference = [float(part) for part in weights.split(",")]
    except ValueError:
        raise OptionError("--weights", weights, expected) from None
    if study.multi_objective and (len(preference) != len(study.directions) or not all(
            math.isfinite(w) and w >= 0 for w in preference) or sum(preference) <= 0):
        raise OptionError("--weights", weights, expected)
    try:
        model = study.learn_pareto_set(steps=steps, seed=seed)
    except OptionError as error:
        if error.name != "study":
            raise
        wanted = error.expected if error.expected.startswith("a study") else f"a study with {error.expected}"
        raise argument_error("NAME", name, wanted) from None
    normalised = [w / sum(preference) for w in preference]
    params, predicted = model.suggest(preference), model.predict(preference)
    if as_json:
        print_json({"study": study.name, "weights": normalised, "params": params, "predicted": predicted})
    else:
        console().print(f"weights {', '.join(f'{w:.6g}' for w in normalised)} ({', '.join(study.directions)}): predicted "
                        + ", ".join(f"{v:.6g}" for v in predicted) + f"\n{_params(params)}", markup=False)
    return 0


def _untried_count(space: Space, rows: list[dict[str, Any]]) -> int | None:
    """How many points of a small discrete ``space`` the table ``rows`` leaves untried; None for a larger space."""
    size = space.cardinality()
    if not size <= ENUMERATED:
        return None
    return int(size) - len({tuple(str(row[name]) for name in space.names) for row in rows})
