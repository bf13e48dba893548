"""Experience library: lessons from failed formulations, retrieved for new problems.

After AlphaOPT (2025): an insight is {taxonomy, condition, explanation, example};
it is learned from a problem whose answer is known and that the pipeline got
wrong, and kept only if solving that problem again with the insight gives the
right answer. When an insight was retrieved for a problem that is solved right
without it and wrong with it, its condition is refined by the LLM. Departures:
retrieval is by word overlap between the condition and the question plus
taxonomy trigger words (no embeddings), and the library is not re-organised
into a hierarchy.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optarium.formulate.templates import render

if TYPE_CHECKING:
    from collections.abc import Iterator

    from optarium.formulate.llm import ChatModel
    from optarium.formulate.pipeline import FormulateResult
    from optarium.formulate.settings import FormulateSettings
    from optarium.store.base import FormulateStore

# Taxonomy of modeling mistakes; each with words whose presence in a question suggests it.
TAXONOMY: dict[str, tuple[str, ...]] = {
    "integrality": ("how many", "number of", "whole", "units", "items", "people", "workers", "trucks", "vehicles", "machines"),
    "ratio_percentage": ("%", "percent", "ratio", "proportion", "fraction", "times as many", "twice", "at least half"),
    "objective": ("maximize", "minimize", "profit", "cost", "revenue", "maximise", "minimise"),
    "capacity_resource": ("available", "capacity", "budget", "at most", "limit", "no more than"),
    "demand_balance": ("demand", "supply", "flow", "transport", "ship", "balance", "inventory"),
    "logic": ("either", "if ", "only if", "fixed cost", "setup", "open", "select"),
    "units_data": ("per hour", "minutes", "hours", "kg", "grams", "per unit", "per day"),
    "bounds": ("at least", "minimum", "maximum", "cannot exceed", "must not"),
}
_STOP = frozenset(["a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "by", "with", "at", "be", "is", "are", "as", "per", "each", "this", "that", "it", "its", "from", "must", "can"])


def _words(text: str) -> set[str]:
    return {word for word in re.findall(r"[a-z0-9%]+", text.lower()) if word not in _STOP}


def taxonomy_of(question: str) -> set[str]:
    """The taxonomy classes whose trigger words appear in ``question``."""
    lowered = question.lower()
    return {name for name, triggers in TAXONOMY.items() if any(trigger in lowered for trigger in triggers)}


def relevance(insight: dict[str, Any], question: str, classes: set[str] | None = None) -> float:
    """Share of the condition's words found in the question, plus 0.25 when the taxonomy matches."""
    condition = _words(str(insight.get("condition", "")))
    if not condition:
        return 0.0
    overlap = len(condition & _words(question)) / len(condition)
    classes = taxonomy_of(question) if classes is None else classes
    return overlap + (0.25 if insight.get("taxonomy") in classes else 0.0)


def library(store: FormulateStore) -> tuple[list[dict[str, Any]], int | None]:
    """The active insights and the version of the library they are (None for a store older than versions).

    Read from the library's newest saved version, so the insights and the version agree
    even while another process changes the library.
    """
    from optarium.store.base import ArtifactStore
    from optarium.store.formulate import INSIGHTS_ARTIFACT

    saved = store.load_artifact(INSIGHTS_ARTIFACT) if isinstance(store, ArtifactStore) else None
    if saved is None:
        return store.list_insights(active_only=True), None
    return [row for row in json.loads(saved.data) if row["active"]], saved.version


def retrieve(
    store: FormulateStore, question: str, k: int = 3, threshold: float = 0.6, rows: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The ``k`` active insights most relevant to ``question`` (relevance >= ``threshold``).

    ``rows`` are the active insights to choose from (default: the store's, read now).
    """
    classes = taxonomy_of(question)
    rows = store.list_insights(active_only=True) if rows is None else rows
    scored = [(relevance(insight, question, classes), insight) for insight in rows]
    scored = [(value, insight) for value, insight in scored if value >= threshold]
    scored.sort(key=lambda pair: (-pair[0], pair[1].get("id", 0)))
    return [insight for _, insight in scored[:k]]


def format_insights(chosen: list[dict[str, Any]]) -> str:
    """Insights as prompt text, one numbered lesson each."""
    lines = []
    for number, insight in enumerate(chosen, start=1):
        lines.append(f"{number}. [{insight.get('taxonomy', '')}] When: {insight.get('condition', '')}.")
        lines.append(f"   Lesson: {insight.get('explanation', '')}")
        if insight.get("example"):
            lines.append(f"   Example: {insight['example']}")
    return "\n".join(lines)


def parse_insight(text: str) -> dict[str, str] | None:
    """The insight JSON object in an LLM answer, or None when it is missing or incomplete."""
    match = re.search(r"```(?:json)?\s*\n(.*?)```", text, re.DOTALL)
    body = match.group(1) if match else text[text.find("{"): text.rfind("}") + 1]
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return {key: str(data.get(key, "")).strip() for key in ("taxonomy", "condition", "explanation", "example")}


@dataclass
class LearnReport:
    """What ``learn`` did, per problem: 'correct', 'kept', 'discarded', 'refined' or 'failed'."""

    outcomes: dict[str, str] = field(default_factory=dict)
    kept: list[int] = field(default_factory=list)
    refined: list[int] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"outcomes": self.outcomes, "kept": self.kept, "refined": self.refined}


def learn(
    records: list[dict[str, Any]], llm: ChatModel, store: FormulateStore, rounds: int | None = None,
    settings: FormulateSettings | None = None,
) -> LearnReport:
    """Learn insights from the records the pipeline gets wrong (records need a known answer).

    Each record is formulated with ``settings`` (default :class:`FormulateSettings`), ``rounds`` overriding theirs.
    """
    from optarium.formulate.dataset import score
    from optarium.formulate.settings import FormulateSettings

    chosen = (settings or FormulateSettings()).replace(rounds=rounds)

    report = LearnReport()
    for record in records:
        case = str(record["id"])
        first = _solve(record, llm, store, chosen, insights=True)
        if _right(first, record, score):
            if first.insight_ids:
                store.count_insight_use(first.insight_ids, "helped")
            report.outcomes[case] = "correct"
            continue
        if first.insight_ids:
            plain = _solve(record, llm, store, chosen, insights=False)
            if _right(plain, record, score):
                store.count_insight_use(first.insight_ids, "misled")
                for insight_id in first.insight_ids:
                    condition = _refine(llm, store, insight_id, record["question"])
                    if condition:
                        store.update_insight(insight_id, condition=condition)
                        report.refined.append(insight_id)
                report.outcomes[case] = "refined"
                continue
        insight = _propose(llm, record, first)
        if insight is None:
            report.outcomes[case] = "failed"
            continue
        again = _solve(record, llm, store, chosen, insights=False, extra=[insight])
        if _right(again, record, score):
            report.kept.append(store.add_insight(source=f"{record.get('_source', 'dataset')}:{case}", **insight))
            report.outcomes[case] = "kept"
        else:
            report.outcomes[case] = "discarded"
    return report


def _solve(
    record: dict[str, Any], llm: ChatModel, store: FormulateStore, settings: FormulateSettings, *, insights: bool,
    extra: list[dict[str, Any]] | None = None,
) -> FormulateResult:
    from optarium.formulate.pipeline import formulate

    return formulate(
        record["question"], llm, settings=settings, store=store, record=False, insights=insights,
        extra_insights=extra, key=str(record["id"]),
    )


def _right(result: FormulateResult, record: dict[str, Any], score: Any) -> bool:
    return bool(score(result.status, result.objective, record)["correct"][1e-4])


def _propose(llm: ChatModel, record: dict[str, Any], result: FormulateResult) -> dict[str, str] | None:
    from optarium.errors import OptariumError

    expected = record["status"] if record["status"] != "optimal" else f"optimal objective {record.get('answer')}"
    got = result.status if result.objective is None else f"{result.status}, objective {result.objective:.10g}"
    prompt = render(
        "learn", question=record["question"], fence="python" if result.code_kind == "pyomo" else "lp",
        code=result.code or "(no model)", got=got if not result.error else f"{got} ({result.error})",
        expected=expected, gold="", taxonomy=", ".join(TAXONOMY),
    )
    try:
        call = llm.chat([{"role": "user", "content": prompt}], key=f"{record['id']}.insight")
    except OptariumError:
        return None
    insight = parse_insight(call.response)
    if insight is None or not insight["condition"] or not insight["explanation"]:
        return None
    if insight["taxonomy"] not in TAXONOMY:
        insight["taxonomy"] = "other"
    return insight


def _refine(llm: ChatModel, store: FormulateStore, insight_id: int, question: str) -> str:
    from optarium.errors import OptariumError

    insight = store.get_insight(insight_id)
    prompt = render("refine", condition=insight["condition"], explanation=insight["explanation"], question=question)
    try:
        call = llm.chat([{"role": "user", "content": prompt}], key=f"{insight_id}.refine")
    except OptariumError:
        return ""
    parsed = parse_insight(call.response)
    return parsed["condition"] if parsed else ""


# the fields an exported insight carries into another library (use counts stay with the library that counted them)
_TEXT_FIELDS = ("taxonomy", "condition", "explanation")


def read_insights(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The insights of a JSON-lines file (as ``optarium formulate insights export`` writes it), or of one JSON
    list (as ``export --json`` prints it), all checked.

    Raises :class:`~optarium.errors.InputFileError` naming the file (and the line) when it is
    missing, empty, or a line is not an object with non-empty ``taxonomy``, ``condition`` and
    ``explanation`` (``example`` and ``source`` text, ``active`` true or false, when given).
    """
    from optarium.errors import InputFileError, read_user_text

    file, text = read_user_text(path, "a JSON-lines file of insights")
    insights = []
    for where, row in _rows(file, text):
        if not isinstance(row, dict):
            raise InputFileError(where, "not an insight (a JSON object with taxonomy, condition and explanation)")
        for key in _TEXT_FIELDS:
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise InputFileError(where, f"`{key}` must be non-empty text")
        for key in ("example", "source"):
            if not isinstance(row.get(key, ""), str):
                raise InputFileError(where, f"`{key}` must be text")
        if not isinstance(row.get("active", True), bool):
            raise InputFileError(where, "`active` must be true or false")
        insights.append({key: row[key].strip() for key in _TEXT_FIELDS} | {
            "example": row.get("example", "").strip(), "source": row.get("source", "") or "import",
            "active": row.get("active", True)})
    if not insights:
        raise InputFileError(str(file), "holds no insights")
    return insights


def _rows(file: Path, text: str) -> Iterator[tuple[str, Any]]:
    """Each row of the file with where it is: ``file:line`` for JSON lines, ``file: item N`` for one JSON list."""
    from optarium.errors import InputFileError

    if text.lstrip().startswith("["):
        try:
            rows = json.loads(text)
        except ValueError as error:
            raise InputFileError(str(file), f"not JSON ({error})") from None
        if isinstance(rows, list):
            yield from ((f"{file}: item {number}", row) for number, row in enumerate(rows, start=1))
            return
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield f"{file}:{number}", json.loads(line)
            except ValueError as error:
                raise InputFileError(f"{file}:{number}", f"not JSON ({error})") from None


def import_insights(store: FormulateStore, insights: list[dict[str, Any]]) -> tuple[list[int], int]:
    """Add ``insights`` (from :func:`read_insights`) that the library does not hold yet (the same taxonomy,
    condition and explanation); the ids added and how many were there already."""
    held = {tuple(row[key] for key in _TEXT_FIELDS) for row in store.list_insights()}
    added = []
    for insight in insights:
        key = tuple(insight[field] for field in _TEXT_FIELDS)
        if key in held:
            continue
        held.add(key)
        insight_id = store.add_insight(insight["taxonomy"], insight["condition"], insight["explanation"],
                                       insight["example"], insight["source"])
        if not insight["active"]:
            store.update_insight(insight_id, active=False)
        added.append(insight_id)
    return added, len(insights) - len(added)
