"""The one flow under Ctrl-C: an answer found before it is checked and kept, in a real process."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

# a kind whose check waits for a line on stdin: the test decides when the check ends, as a big model's would
SCRIPT = '''
import json, sys
from dataclasses import dataclass
from optarium import kinds
from optarium.flow import solve_problem
from optarium.plan import Plan
from optarium.solution import Verification

@dataclass(frozen=True)
class Numbers:
    values: tuple[float, ...]
    name = "numbers"
    kind = "numbers"
    def fingerprint(self): return repr(self.values)
    def features(self): return {"n": len(self.values)}

class Smallest:
    name = "smallest"
    def version(self): return "1"
    def solve(self, problem, options, plan):
        index = min(range(len(problem.values)), key=problem.values.__getitem__)
        return kinds.RawResult("optimal", problem.values[index], problem.values[index], payload=index)

def verify(problem, index, reported):
    sys.stderr.write("checking\\n")
    sys.stderr.flush()
    sys.stdin.readline()
    sys.stderr.write("checked\\n")
    right = problem.values[index] == reported and sys.argv[1] == "right"
    return Verification(right, problem.values[index], 0.0, () if right else ("wrong",))

class Rules:
    def plan(self, problem, history): return Plan("smallest", {}, "the only one", "rules")

kinds.register(kinds.KindSpec(name="numbers", type=Numbers, backend=kinds.lookup({"smallest": Smallest}, "numbers"),
                              verify=verify, planner=Rules))
solution = solve_problem(Numbers((3.0, 1.0, 2.0)), record=False)
print(json.dumps({"status": solution.status, "objective": solution.objective, "verified": solution.verified}))
'''


def run_and_interrupt_the_check(presses: int, answer: str = "right") -> tuple[int, str, str]:
    """Run the script, press Ctrl-C ``presses`` times while the ``answer`` (right or wrong) is being checked, then let
    the check end."""
    process = subprocess.Popen([sys.executable, "-c", SCRIPT, answer], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert process.stdin is not None and process.stderr is not None
    line = process.stderr.readline()
    assert line == "checking\n", line + process.stderr.read()
    for _ in range(presses):
        process.send_signal(signal.SIGINT)
        time.sleep(0.1)  # the signal handled before the check goes on
    try:
        process.stdin.write("\n")
        process.stdin.close()
    except BrokenPipeError:  # the process has ended already
        pass
    assert process.stdout is not None
    out, err = process.stdout.read(), process.stderr.read()
    return process.wait(timeout=60), out, line + err


def test_ctrl_c_while_an_answer_is_checked_keeps_it_checked_as_interrupted() -> None:
    code, out, err = run_and_interrupt_the_check(presses=1)
    assert code == 0, err
    assert json.loads(out) == {"status": "interrupted", "objective": 1.0, "verified": True}
    assert "checked" in err


def test_a_second_ctrl_c_while_an_answer_is_checked_stops_at_once() -> None:
    code, out, err = run_and_interrupt_the_check(presses=2)
    assert code != 0 and out == "" and "KeyboardInterrupt" in err
    assert "checked" not in err


def test_ctrl_c_while_an_answer_that_fails_its_check_is_checked_still_stops_the_run() -> None:
    code, out, err = run_and_interrupt_the_check(presses=1, answer="wrong")
    assert code != 0 and out == "" and "KeyboardInterrupt" in err
    assert "checked" in err
