#!/usr/bin/env python3
"""Kill -9 rounds: granary serve is killed at random moments during mixed uploads, new versions, submissions and
review decisions; after each restart `granary verify` must be clean, every change the service acknowledged (2xx) must
be there, and no temporary upload may be left.

    python3 Tests/Reliability/crash_rounds.py --binary .build/debug/granary --rounds 20

Standard library only. Prints one line per round and a summary; exits 1 on the first broken promise.
"""
import argparse
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import two_factor  # noqa: E402

PASSWORD = "granary-demo"
CHECKS = {"political": True, "scientific": True, "applicability": True, "normativity": True}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive connection to the service; every call returns (status, parsed JSON or None)."""

    def __init__(self, port: int, token: str | None = None):
        self.port = port
        self.token = token
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)

    def call(self, method: str, path: str, body: bytes | None = None, content_type: str = "application/json"):
        headers = {"Content-Type": content_type} if body is not None else {}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        self.connection.request(method, "/api/v1" + path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = None
        return response.status, parsed

    def json(self, method: str, path: str, value) -> tuple:
        return self.call(method, path, json.dumps(value).encode())

    def close(self) -> None:
        self.connection.close()


def stop_process(process: subprocess.Popen, grace: float = 10) -> int:
    """Stops a server by its pid: SIGTERM, then SIGKILL after `grace` seconds; returns its exit status."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            process.wait()
    return process.returncode


def multipart(metadata: dict | None, content: bytes, filename: str = "notes.txt", mime: str = "text/plain") -> tuple[bytes, str]:
    """A multipart/form-data body with an optional `metadata` part and a `file` part (for this folder's scripts)."""
    boundary = "granary-" + uuid.uuid4().hex
    parts = []
    if metadata is not None:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\nContent-Type: application/json\r\n\r\n'.encode()
            + json.dumps(metadata, ensure_ascii=False).encode()
            + b"\r\n"
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\nContent-Type: {mime}\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def text_file(rng: random.Random) -> bytes:
    # Plain text of a few KB to a few hundred KB, so some crashes land while bytes are being written.
    lines = rng.randint(20, 6000)
    return ("\n".join(f"焊接记录 {rng.random():.12f} 电流 {rng.randint(80, 300)} A" for _ in range(lines)) + "\n").encode()


class Ledger:
    """What the service acknowledged: the promises checked after each restart."""

    def __init__(self):
        self.lock = threading.Lock()
        self.versions: dict[str, dict[int, str]] = {}  # resource -> version -> sha256
        self.approved: dict[str, int] = {}  # resource -> version approved
        self.submitted: set[str] = set()

    def version(self, resource: str, version: int, sha256: str) -> None:
        with self.lock:
            self.versions.setdefault(resource, {})[version] = sha256

    def approve(self, resource: str, version: int) -> None:
        with self.lock:
            self.approved[resource] = max(version, self.approved.get(resource, 0))


class Server:
    def __init__(self, binary: str, metadata: str, data: str):
        self.binary, self.metadata, self.data = binary, metadata, data
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = open(os.path.join(tempfile.gettempdir(), f"granary-crash-{os.getpid()}.log"), "ab")

    def start(self, demo: bool = False) -> float:
        arguments = [self.binary, "serve", "--data", self.data, "--metadata", self.metadata, "--port", str(self.port), "--bcrypt-cost", "4"]
        if demo:
            arguments.append("--demo")
        started = time.monotonic()
        self.process = subprocess.Popen(arguments, stdout=self.log, stderr=self.log)
        deadline = started + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"granary serve stopped at start (exit {self.process.returncode})")
            try:
                status, _ = Client(self.port).call("GET", "/health")
                if status == 200:
                    return time.monotonic() - started
            except OSError:
                time.sleep(0.05)
        raise SystemExit("granary serve did not answer /health within 120 s")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process:
            stop_process(self.process)


def log_in(port: int, username: str, password: str = PASSWORD) -> str:
    """A token for a demo account (or another with `password`); the administrators and the reviewer add their
    authenticator code (two_factor.py)."""
    def attempt(totp: str | None) -> tuple[int, object]:
        credentials = {"username": username, "password": password} | ({"totp": totp} if totp else {})
        return Client(port).json("POST", "/sessions", credentials)
    try:
        return two_factor.log_in(username, attempt)["token"]
    except RuntimeError as error:
        raise SystemExit(str(error))


def teacher_work(port: int, token: str, ledger: Ledger, stop: threading.Event, rng: random.Random) -> None:
    client = Client(port, token)
    mine: list[str] = []
    try:
        while not stop.is_set():
            roll = rng.random()
            if roll < 0.55 or not mine:
                content = text_file(rng)
                metadata = {
                    "title": f"断电测试讲义 {uuid.uuid4().hex[:8]}",
                    "major": "460110",
                    "course": "weld-methods",
                    "knowledgePoints": ["arc"],
                    "original": True,
                }
                body, kind = multipart(metadata, content)
                status, resource = client.call("POST", "/resources", body, kind)
                if status == 201:
                    ledger.version(resource["id"], resource["version"], hashlib.sha256(content).hexdigest())
                    mine.append(resource["id"])
            elif roll < 0.8:
                target = rng.choice(mine)
                content = text_file(rng)
                body, kind = multipart(None, content)
                status, resource = client.call("PUT", f"/resources/{target}/content", body, kind)
                if status == 200:
                    ledger.version(target, resource["version"], hashlib.sha256(content).hexdigest())
            else:
                target = rng.choice(mine)
                status, _ = client.call("POST", f"/resources/{target}/submit")
                if status == 200:
                    with ledger.lock:
                        ledger.submitted.add(target)
    except (OSError, http.client.HTTPException):
        pass  # the service died under us: what it acknowledged is in the ledger
    finally:
        client.close()


def reviewer_work(port: int, token: str, ledger: Ledger, stop: threading.Event) -> None:
    client = Client(port, token)
    try:
        while not stop.is_set():
            status, queue = client.call("GET", "/reviews/queue?type=resource&pageSize=5")
            if status != 200 or not queue["items"]:
                time.sleep(0.02)
                continue
            item = queue["items"][0]
            status, review = client.json(
                "POST",
                f"/reviews/resource/{item['id']}/decision",
                {"decision": "approve", "checks": CHECKS, "comment": "断电测试", "version": item["version"]},
            )
            if status == 201:
                ledger.approve(item["id"], review["version"])
    except (OSError, http.client.HTTPException):
        pass
    finally:
        client.close()


def missing_acknowledged(port: int, admin: str, ledger: Ledger) -> list[str]:
    """Every acknowledged version (with its hash) and approval is there, read through `port` (also Tests/Cluster)."""
    problems = []
    client = Client(port, admin)
    with ledger.lock:
        versions = {k: dict(v) for k, v in ledger.versions.items()}
        approved = dict(ledger.approved)
    for resource, acknowledged in versions.items():
        status, listing = client.call("GET", f"/resources/{resource}/versions")
        if status != 200:
            problems.append(f"acknowledged resource {resource} is gone ({status})")
            continue
        stored = {v["version"]: v["sha256"] for v in listing["items"]}
        for version, sha256 in acknowledged.items():
            if stored.get(version) != sha256:
                problems.append(f"resource {resource} version {version}: acknowledged {sha256[:12]}, stored {str(stored.get(version))[:12]}")
    for resource, version in approved.items():
        status, reviews = client.call("GET", f"/reviews/resource/{resource}")
        if status != 200 or not any(r["decision"] == "approve" and r["version"] == version for r in reviews["items"]):
            problems.append(f"acknowledged approval of {resource} version {version} is missing")
    client.close()
    return problems


def check(server: Server, ledger: Ledger, admin: str) -> list[str]:
    """Every acknowledged version and approval present, verify clean, no temporary file."""
    problems = []
    leftovers = os.listdir(os.path.join(server.data, "tmp"))
    if leftovers:
        problems.append(f"temporary files left after restart: {leftovers[:3]}")
    problems += missing_acknowledged(server.port, admin, ledger)
    verify = subprocess.run(
        [server.binary, "verify", "--data", server.data, "--metadata", server.metadata], capture_output=True, text=True
    )
    if verify.returncode != 0:
        problems.append("granary verify: " + verify.stdout.strip().replace("\n", " | ")[:600])
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=".build/debug/granary")
    parser.add_argument("--metadata", default="Metadata")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--teachers", type=int, default=3, help="concurrent uploading clients")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    data = tempfile.mkdtemp(prefix="granary-crash-")
    server = Server(os.path.abspath(args.binary), os.path.abspath(args.metadata), data)
    ledger = Ledger()
    print(f"kill -9 rounds: {args.rounds}, seed {seed}, data {data}", flush=True)
    started = time.monotonic()
    try:
        server.start(demo=True)
        teacher = log_in(server.port, "zhang.laoshi")
        reviewer = log_in(server.port, "wang.shenhe")
        admin = log_in(server.port, "admin")
        restarts = []
        for number in range(1, args.rounds + 1):
            stop = threading.Event()
            workers = [
                threading.Thread(target=teacher_work, args=(server.port, teacher, ledger, stop, random.Random(rng.random())))
                for _ in range(args.teachers)
            ] + [threading.Thread(target=reviewer_work, args=(server.port, reviewer, ledger, stop))]
            for worker in workers:
                worker.start()
            time.sleep(rng.uniform(0.3, 2.5))
            server.kill()
            stop.set()
            for worker in workers:
                worker.join()
            restarts.append(server.start())
            problems = check(server, ledger, admin)
            versions = sum(len(v) for v in ledger.versions.values())
            print(
                f"round {number:2d}: killed; restarted in {restarts[-1]:.2f} s; {len(ledger.versions)} resources, {versions} versions, "
                f"{len(ledger.approved)} approvals acknowledged so far: " + ("all present, verify clean" if not problems else "BROKEN"),
                flush=True,
            )
            if problems:
                for problem in problems:
                    print("   " + problem, file=sys.stderr)
                return 1
        print(
            f"kill -9 rounds passed: {args.rounds} rounds, {len(ledger.versions)} resources, "
            f"{sum(len(v) for v in ledger.versions.values())} versions, {len(ledger.approved)} approvals, "
            f"restart {min(restarts):.2f}–{max(restarts):.2f} s, {time.monotonic() - started:.0f} s in all",
            flush=True,
        )
        return 0
    finally:
        server.stop()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
