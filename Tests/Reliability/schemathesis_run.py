#!/usr/bin/env python3
"""Schemathesis against the served OpenAPI document (issue 8): every operation, every check, once per role.

    python3 Tests/Reliability/schemathesis_run.py --binary .build/release/granary            # full run
    python3 Tests/Reliability/schemathesis_run.py --binary .build/release/granary --short    # CI, under 3 minutes

For each role (admin, teacher, reviewer, learner, anonymous) a fresh `granary serve --demo` is started on a free
loopback port with its own temporary data folder, so what one role's run creates or retires cannot change what the
next role sees. The role's demo account logs in and `schemathesis run --checks all` is pointed at
/api/v1/openapi.json with `Authorization: Bearer <token>`; the anonymous run sends no credential.

DELETE /sessions revokes the token it is sent with, so a run that reached it would spend the rest of its cases
on 401s. The authenticated runs therefore leave that one operation out and a second, short run per role tests it
alone with a token of its own (logged in before the main run, since the main run trips the log-in throttle of the
loopback address on purpose). After each run the script checks that the run's token still works (GET /me), so an
admin run that changed its own role through PATCH /users/{username} cannot pass unnoticed.

No check is excluded. One check is told more than its defaults: positive_data_acceptance expects a schema-valid
request to be answered 2xx/3xx/401/403/404/409/429, but some operations have rules JSON Schema cannot state, and the
document lists what they answer when a rule is broken (SEMANTIC below: a code that must exist in the store or in a
national vocabulary, an answer that must fit its question, a byte range that must fit the file). For exactly those
operations and statuses the check is told to accept them (a generated schemathesis.toml, per operation); every
other operation keeps the defaults, and --strict drops the list.

Standard library only, besides the `schemathesis` command (PyPI, 4.x). Each run leaves a JUnit, a JSON and an
NDJSON report, the schemathesis output and the server log under --report-dir. Exits 1 when any run reports a
failure or an error, when a token stopped working, or when the server died; the server is always stopped by pid.
"""
import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

# Helpers shared by this folder's scripts (as full_disk.py takes them).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crash_rounds import free_port, stop_process  # noqa: E402
import two_factor  # noqa: E402

PASSWORD = "granary-demo"
ROLES = {
    "admin": "admin", "teacher": "zhang.laoshi", "reviewer": "wang.shenhe", "learner": "xuesheng",
    "security": "anquan", "auditor": "shenji", "anonymous": None,
}
LOGOUT = "DELETE /sessions"
# Operation -> (statuses a schema-valid request may still get, why). Only rules the document cannot express in JSON
# Schema belong here; a rule it can express (a pattern, a bound, one of two fields) goes into Tests/OpenAPI/generate.py.
SEMANTIC = {
    "POST /majors": ([422], "the code must be in the 2021 major catalogue (unknown_major)"),
    "POST /courses": ([422], "the major must be in the library (unknown_major)"),
    "POST /knowledge-points": ([422], "the course and the prerequisites must exist (unknown_course, unknown_knowledge_point, prerequisite_cycle)"),
    "POST /jobs": ([422], "the occupation code must be in the 2022 classification; skills must be skill points"),
    "PATCH /jobs/{id}": ([422], "the occupation code must be in the 2022 classification; skills must be skill points"),
    "PUT /majors/{code}/plan": ([422], "courses must belong to the major, jobs must exist, semesters run 1-6 (1-8 for 职业本科)"),
    "POST /catalogue/import": ([422], "prerequisites must not form a cycle"),
    "POST /offerings": ([422], "the course, resources and papers must exist and be published"),
    "GET /audit": ([400], "from and to must be real dates or times (the pattern lets a 0000-00-00 or a 31 February through)"),
    "POST /me/password": ([422, 429], "the current password must be right and the new one meet the password policy; wrong ones lock the account"),
    "POST /me/close": ([422, 429], "the password must be right (and the account a learner's); wrong ones lock the account"),
    "PATCH /offerings/{id}": ([422], "resources and papers must exist and be published; the course cannot change"),
    "POST /papers": ([422], "questions must be published questions of the course; a blueprint must be feasible (total = sum of byType)"),
    "POST /questions": ([422], "the answer must fit the question type and its options; course and points must exist"),
    "PATCH /questions/{id}": ([422], "the answer must fit the question type and its options; course and points must exist"),
    "POST /questions/import": ([400, 422], "the body must be QTI XML or an IMS package (400); course and points must exist (422)"),
    "POST /resources": ([415, 422], "the declared kind must match the bytes, executables are refused; major, course and points must exist"),
    "PUT /resources/{id}/content": ([415, 422], "the bytes must match the resource's kind; executables are refused"),
    "GET /resources/{id}/content": ([416], "a Range must overlap the file (RFC 9110, 416 with Content-Range: bytes */size)"),
    "PUT /attempts/{id}/answers": ([422], "answer keys must be questions of the attempt's paper"),
    "POST /attempts/{id}/grades": ([422], "grade keys must be subjective questions of the paper; points within the rubric"),
    "POST /learners/register": ([422], "the password must be 8-72 bytes of UTF-8 (bcrypt), not characters"),
    "GET /analytics/resources": ([400], "from must not be after to (two parameters)"),
    "GET /analytics/teaching": ([400], "from must not be after to (two parameters)"),
    "GET /search": ([400], "mode=meaning and mode=hybrid need a model service (--embeddings); the demo serves words only"),
    "POST /practice": ([422], "the course must exist and have published objective questions to practise with"),
}
DEFAULT_POSITIVE = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def call(port: int, method: str, path: str, body: dict | None = None, token: str | None = None) -> tuple[int, object]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = "Bearer " + token
        connection.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        try:
            return response.status, json.loads(data) if data else None
        except ValueError:
            return response.status, None
    finally:
        connection.close()


class Server:
    """One `granary serve --demo` with its own data folder (and `extra` options); stop() ends it by pid."""

    def __init__(self, binary: str, metadata: str, log_path: str, extra: tuple[str, ...] = ()):
        self.binary, self.metadata, self.extra = binary, metadata, list(extra)
        self.data = tempfile.mkdtemp(prefix="granary-st-")
        self.port = free_port()
        self.log = open(log_path, "ab")
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        arguments = [
            self.binary, "serve", "--demo", "--data", self.data, "--metadata", self.metadata,
            "--host", "127.0.0.1", "--port", str(self.port), "--bcrypt-cost", "4", *self.extra,
        ]
        self.process = subprocess.Popen(arguments, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"granary serve stopped at start (exit {self.process.returncode}); see {self.log.name}")
            try:
                if call(self.port, "GET", "/api/v1/health")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("granary serve did not answer /api/v1/health within 120 s")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process, grace=15)
        self.log.close()
        shutil.rmtree(self.data, ignore_errors=True)


def log_in(port: int, username: str) -> str:
    """A token for a demo account; the admin and the reviewer add their authenticator code (two_factor.py)."""
    def attempt(totp: str | None) -> tuple[int, object]:
        credentials = {"username": username, "password": PASSWORD} | ({"totp": totp} if totp else {})
        return call(port, "POST", "/api/v1/sessions", credentials)
    return two_factor.log_in(username, attempt)["token"]


def write_config(report_dir: str) -> str:
    """schemathesis.toml with SEMANTIC: per operation, the statuses positive_data_acceptance accepts besides its own."""
    lines = ["# Written by Tests/Reliability/schemathesis_run.py: see SEMANTIC there."]
    for name, (statuses, reason) in SEMANTIC.items():
        expected = ", ".join(f'"{s}"' for s in DEFAULT_POSITIVE + [str(s) for s in statuses])
        lines += ["", f"# {reason}", "[[operations]]", f'include-name = "{name}"', "[operations.checks.positive_data_acceptance]", f"expected-statuses = [{expected}]"]
    path = os.path.join(report_dir, "schemathesis.toml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def schemathesis(port: int, name: str, token: str | None, args, report_dir: str, only: str | None = None, skip: str | None = None):
    """Runs the CLI once; returns (exit code, parsed JSON report or None, the command line)."""
    base = f"http://127.0.0.1:{port}/api/v1"
    os.makedirs(report_dir, exist_ok=True)
    config = [] if args.strict else ["--config-file", os.path.join(report_dir, "schemathesis.toml")]
    command = [
        *args.schemathesis, *config, "run", base + "/openapi.json",
        "--url", base,
        "--checks", "all",
        "--max-examples", str(args.max_examples),
        "--phases", args.phases,
        "--seed", str(args.seed),
        "--workers", str(args.workers),
        "--request-timeout", "30",
        "--generation-database", "none",
        # JSON travels as UTF-8 (RFC 8259 §8.1): a lone surrogate (\ud800) has no UTF-8 form; Foundation refuses it (400).
        "--generation-codec", "utf-8",
        # U+0000 in any JSON string, key or query value is refused with 400 (HostileInputTests): the document says so
        # in words (info.description), since JSON Schema could only say it with a pattern on every string and key.
        "--generation-allow-x00", "false",
        "--report", "junit,json,ndjson",
        "--report-junit-path", os.path.join(report_dir, f"{name}.junit.xml"),
        "--report-json-path", os.path.join(report_dir, f"{name}.json"),
        "--report-ndjson-path", os.path.join(report_dir, f"{name}.ndjson"),
        "--no-color",
    ]
    if args.max_time:
        command += ["--max-time", str(args.max_time)]
    if args.continue_on_failure:
        command.append("--continue-on-failure")
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    if only:
        command += ["--include-name", only]
    if skip:
        command += ["--exclude-name", skip]
    printable = " ".join(("'" + c + "'" if " " in c else c) for c in command).replace(token or "\0", "$TOKEN")
    print(f"\n=== {name}: {printable}", flush=True)
    # schemathesis and Hypothesis keep caches (.schemathesis/, .hypothesis/) in the working directory: the report folder.
    with open(os.path.join(report_dir, f"{name}.out"), "w") as out:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=report_dir)
        try:
            for line in process.stdout:
                out.write(line)
                if args.verbose:
                    sys.stdout.write(line)
            code = process.wait()
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait()
    report = None
    try:
        with open(os.path.join(report_dir, f"{name}.json")) as f:
            report = json.load(f)
    except (OSError, ValueError):
        pass
    return code, report, printable


def summarize(name: str, code: int, report: dict | None, totals: dict) -> list[str]:
    if report is None:
        return [f"{name}: schemathesis exited {code} without a JSON report (see {name}.out)"]
    operations, cases = report.get("operations") or {}, report["test_cases"]
    totals["runs"] += 1
    totals["operations"] += operations.get("tested", 0)
    totals["cases"] += cases["generated"]
    for failure in report["failures"]:
        totals["failures"][failure["title"]] = totals["failures"].get(failure["title"], 0) + failure["count"]
    line = (
        f"{name}: exit {code}; operations {operations.get('tested', 0)} tested of {operations.get('selected', 0)} selected "
        f"({operations.get('errored', 0)} errored, {operations.get('skipped', 0)} skipped); cases {cases['generated']} generated, "
        f"{cases['with_failures']} with failures, {cases['unique_failures']} unique failures, {cases['errored']} errored"
    )
    lines = [line]
    for failure in report["failures"]:
        lines.append(f"    {failure['title']} x{failure['count']}: {', '.join(failure['operations'][:12])}")
    for error in report["errors"]:
        lines.append(f"    error: {error['title']} x{error['count']}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "granary"))
    parser.add_argument("--metadata", default=os.path.join(ROOT, "Metadata"))
    parser.add_argument("--schemathesis", default=None, help="the schemathesis command (default: on PATH, else through this Python)")
    parser.add_argument("--roles", default=",".join(ROLES), help="comma-separated: " + ", ".join(ROLES))
    parser.add_argument("--max-examples", type=int, default=None, help="cases per operation in the fuzzing phase (default 50; 3 with --short)")
    parser.add_argument("--phases", default=None, help="default examples,coverage,fuzzing,stateful; --short leaves out stateful")
    parser.add_argument("--max-time", type=int, default=None, help="schemathesis --max-time: fuzzing and stateful phases repeat until it is spent")
    parser.add_argument("--seed", type=int, default=None)
    # One worker by default: with two, Hypothesis's shared lambda-source cache raced once in our runs (KeyError
    # in AST_LAMBDAS_CACHE, reported as a schemathesis "Runtime Error"), which is the tool's flake, not the service's.
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--short", action="store_true", help="CI run: admin, teacher, learner, security, auditor and anonymous, few examples, < 4 minutes")
    parser.add_argument("--continue-on-failure", action="store_true", help="keep testing an operation after its first failure")
    parser.add_argument("--strict", action="store_true", help="positive_data_acceptance with its defaults everywhere (no SEMANTIC)")
    parser.add_argument("--report-dir", default=None)
    parser.add_argument("--verbose", action="store_true", help="echo schemathesis's own output")
    args = parser.parse_args()
    # A pip install may put the console script off PATH (~/.local/bin); its entry point works through this Python.
    found = args.schemathesis or shutil.which("schemathesis") or shutil.which("st")
    args.schemathesis = [found] if found else [sys.executable, "-c", "from schemathesis.cli import schemathesis; schemathesis()"]
    if args.short:
        args.max_examples = args.max_examples or 3
        args.phases = args.phases or "examples,coverage,fuzzing"
        if args.roles == ",".join(ROLES):
            args.roles = "admin,teacher,learner,security,auditor,anonymous"
    args.max_examples = args.max_examples or 50
    args.phases = args.phases or "examples,coverage,fuzzing,stateful"
    # CI (--short) repeats one seed so that its verdict does not change from run to run; a full run explores.
    if args.seed is None:
        args.seed = 20261129 if args.short else int.from_bytes(os.urandom(4), "big") % (1 << 30)
    roles = [r.strip() for r in args.roles.split(",") if r.strip()]
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        parser.error(f"unknown roles {unknown}")
    binary = os.path.abspath(args.binary)
    report_dir = os.path.abspath(args.report_dir or tempfile.mkdtemp(prefix="granary-schemathesis-"))
    os.makedirs(report_dir, exist_ok=True)
    if not args.strict:
        write_config(report_dir)
    print(f"schemathesis: roles {', '.join(roles)}; {args.max_examples} examples; phases {args.phases}; seed {args.seed}; "
          f"{'strict' if args.strict else 'SEMANTIC statuses for ' + str(len(SEMANTIC)) + ' operations'}; reports in {report_dir}", flush=True)

    started = time.monotonic()
    totals = {"runs": 0, "operations": 0, "cases": 0, "failures": {}}
    problems: list[str] = []
    lines: list[str] = []
    for role in roles:
        server = Server(binary, os.path.abspath(args.metadata), os.path.join(report_dir, f"{role}.server.log"))
        try:
            server.start()
            username = ROLES[role]
            if username is None:
                code, report, _ = schemathesis(server.port, role, None, args, report_dir)
                lines += summarize(role, code, report, totals)
                if code != 0:
                    problems.append(f"{role}: schemathesis exit {code}")
            else:
                token = log_in(server.port, username)
                logout_token = log_in(server.port, username)
                code, report, _ = schemathesis(server.port, role, token, args, report_dir, skip=LOGOUT)
                lines += summarize(role, code, report, totals)
                if code != 0:
                    problems.append(f"{role}: schemathesis exit {code}")
                if server.alive():
                    status, me = call(server.port, "GET", "/api/v1/me", token=token)
                    if status != 200 or not isinstance(me, dict) or me.get("username") != username:
                        problems.append(f"{role}: the run's token stopped working ({status} {me}); later cases ran unauthenticated")
                    code, report, _ = schemathesis(server.port, f"{role}-logout", logout_token, args, report_dir, only=LOGOUT)
                    lines += summarize(f"{role}-logout", code, report, totals)
                    if code != 0:
                        problems.append(f"{role}-logout: schemathesis exit {code}")
            if not server.alive():
                problems.append(f"{role}: granary serve died (exit {server.process.returncode}); see {role}.server.log")
            elif call(server.port, "GET", "/api/v1/health")[0] != 200:
                problems.append(f"{role}: /health not 200 after the run")
        except (RuntimeError, OSError) as error:
            problems.append(f"{role}: {error}")
        finally:
            server.stop()

    print("\n" + "\n".join(lines))
    print(
        f"\ntotals: {totals['runs']} runs, {totals['operations']} operation runs, {totals['cases']} cases generated, "
        f"{time.monotonic() - started:.0f} s; seed {args.seed}; reports in {report_dir}"
    )
    for title, count in sorted(totals["failures"].items()):
        print(f"  {title}: {count}")
    if problems:
        print("FAILED:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    print("no failures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
