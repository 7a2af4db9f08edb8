#!/usr/bin/env python3
"""Cluster run (issue 17): two Granary nodes behind haproxy, over a PostgreSQL primary with a synchronous streaming
standby and a SeaweedFS S3 store that keeps every blob on two volume servers. Everything listens on loopback only and
is stopped by its process id at the end.

    python3 Tests/Cluster/run.py --binary .build/debug/granary            # 200 uploads, 20 s of load per phase
    python3 Tests/Cluster/run.py --binary .build/debug/granary --short    # CI: 40 uploads, 8 s per phase

What it shows, in order, each a promise that fails the run when broken:

1. Visibility across nodes, under load: while teachers upload, a reviewer decides and readers search through
   haproxy, a resource uploaded through one node is found by search on the other within 1 s (p99 of the uploads).
2. `kill -9` of a node in the middle of that load: haproxy routes around it; at most the requests in flight at the
   kill fail (no more failures than there are clients); the node restarts and rejoins.
3. `kill -9` of the PostgreSQL primary, then `pg_ctl promote` of the standby: the nodes find the new primary without
   a restart, writes through haproxy succeed again within 15 s of the promotion.
4. A SeaweedFS volume server lost: every blob still reads back with its hash (`granary verify` reads them all).
5. The way back: `granary copy --to-data` copies the cluster's library into a new folder, `granary verify` is clean
   there and every acknowledged version and approval is in it.

After each phase every acknowledged upload, version and approval is read back and compared, and at the end
`granary verify` on the cluster must be clean. Prints one line per phase and a summary; exits 1 on a broken promise.
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "Reliability"))
from crash_rounds import CHECKS, Client, Ledger, free_port, log_in, missing_acknowledged, multipart, stop_process, text_file  # noqa: E402
from postgres_pair import PostgresPair  # noqa: E402
from seaweed_replicated import ReplicatedSeaweed  # noqa: E402

def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered) + 0.5)) - 1))] if ordered else 0.0


class Node:
    """One `granary serve` on the cluster's database and object store, with a data folder of its own."""

    def __init__(self, name: str, binary: str, metadata: str, work: str, database: str, blobs: str, environment: dict):
        self.name, self.binary, self.metadata = name, binary, metadata
        self.data = os.path.join(work, name)
        os.makedirs(self.data, exist_ok=True)
        self.database, self.blobs = database, blobs
        self.environment = dict(os.environ, **environment)
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = open(os.path.join(work, f"{name}.log"), "ab")

    def storage(self) -> list[str]:
        return ["--data", self.data, "--metadata", self.metadata, "--database", self.database, "--blobs", self.blobs]

    def start(self, demo: bool = False, timeout: float = 300) -> float:
        arguments = [self.binary, "serve", *self.storage(), "--port", str(self.port), "--bcrypt-cost", "4"]
        if demo:
            arguments.append("--demo")
        started = time.monotonic()
        self.process = subprocess.Popen(arguments, stdout=self.log, stderr=self.log, env=self.environment)
        while time.monotonic() < started + timeout:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} stopped at start (exit {self.process.returncode}); see {self.log.name}")
            if self.healthy():
                return time.monotonic() - started
            time.sleep(0.1)
        raise SystemExit(f"{self.name} did not answer /health within {timeout:.0f} s")

    def dump_threads(self) -> None:
        """Every thread's stack of the running node into its log (gdb), to see where a request that hung waits."""
        if self.process is None or self.process.poll() is not None or shutil.which("gdb") is None:
            return
        self.log.write(f"\n=== threads of {self.name} (pid {self.process.pid}) when the run stopped\n".encode())
        self.log.flush()
        subprocess.run(["gdb", "-p", str(self.process.pid), "-batch", "-ex", "thread apply all bt 30"],
                       stdout=self.log, stderr=subprocess.STDOUT, timeout=120)
        print(f"   {self.name}'s threads are in {self.log.name}", flush=True)

    def healthy(self) -> bool:
        try:
            status, _ = Client(self.port).call("GET", "/health")
            return status == 200
        except OSError:
            return False

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process:
            stop_process(self.process)

    def verify(self) -> subprocess.CompletedProcess:
        return self.command(["verify"])

    def command(self, arguments: list[str]) -> subprocess.CompletedProcess:
        """A granary command on the cluster's library, as an operator runs it beside the nodes."""
        data = tempfile.mkdtemp(prefix="granary-cluster-command-")
        try:
            arguments = [self.binary] + arguments + ["--data", data, "--metadata", self.metadata, "--database", self.database, "--blobs", self.blobs]
            return subprocess.run(arguments, capture_output=True, text=True, env=self.environment, timeout=600)
        finally:
            shutil.rmtree(data, ignore_errors=True)


class Haproxy:
    """Debian's haproxy in front of the nodes, checking each node's /api/v1/health twice a second."""

    def __init__(self, work: str, nodes: list[Node]):
        self.port = free_port()
        self.config = os.path.join(work, "haproxy.cfg")
        servers = "\n".join(f"    server {n.name} 127.0.0.1:{n.port} check inter 500ms fall 2 rise 2" for n in nodes)
        with open(self.config, "w") as file:
            file.write(
                f"""global
    maxconn 2000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # A request whose connection to a node fails is sent to the other node; one that reached a node is never sent
    # twice (an upload must not be stored twice), so a node's death fails at most what it was answering.
    retries 2
    option redispatch
frontend granary
    bind 127.0.0.1:{self.port}
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /api/v1/health
    http-check expect status 200
{servers}
"""
            )
        self.log = open(os.path.join(work, "haproxy.log"), "ab")
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        subprocess.run([haproxy, "-c", "-q", "-f", self.config], check=True)
        self.process = subprocess.Popen([haproxy, "-db", "-f", self.config], stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                status, _ = Client(self.port).call("GET", "/health")
                if status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise SystemExit("haproxy did not pass a healthy node within 10 s")

    def stop(self) -> None:
        if self.process:
            stop_process(self.process, grace=3)


class Load:
    """The README's mix through haproxy: teachers upload and add versions, a reviewer approves, readers search and read.

    Every request that fails (a 5xx, or a connection that breaks) is counted with its time; clients open a new
    connection and go on, as a browser would."""

    def __init__(self, port: int, tokens: dict, ledger: Ledger, teachers: int, readers: int, seed: int):
        self.port, self.tokens, self.ledger = port, tokens, ledger
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.failures: list[tuple[float, str]] = []
        self.requests = 0
        self.threads = [threading.Thread(target=self.teacher, args=(random.Random(seed + i),)) for i in range(teachers)]
        self.threads.append(threading.Thread(target=self.reviewer))
        self.threads += [threading.Thread(target=self.reader, args=(random.Random(seed + 100 + i),)) for i in range(readers)]
        self.clients = len(self.threads)

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join()

    def call(self, holder: list, token: str, method: str, path: str, body=None, kind="application/json"):
        """One request on the thread's connection; (status, body), or (None, None) when it failed."""
        with self.lock:
            self.requests += 1
        try:
            status, parsed = holder[0].call(method, path, body, kind)
        except (OSError, http.client.HTTPException) as error:
            holder[0].close()
            holder[0] = Client(self.port, token)
            self.failed(f"{method} {path}: {type(error).__name__}")
            return None, None
        if status >= 500:
            self.failed(f"{method} {path}: {status}")
            return None, None
        return status, parsed

    def failed(self, what: str) -> None:
        with self.lock:
            self.failures.append((time.monotonic(), what))

    def teacher(self, rng: random.Random) -> None:
        token = self.tokens["teacher"]
        holder = [Client(self.port, token)]
        mine: list[str] = []
        while not self.stop_event.is_set():
            if rng.random() < 0.6 or not mine:
                content = text_file(rng)[:20000]
                metadata = {"title": f"集群讲义 {uuid.uuid4().hex[:8]}", "major": "460110", "course": "weld-methods",
                            "knowledgePoints": ["arc"], "original": True}
                status, resource = self.call(holder, token, "POST", "/resources", *multipart(metadata, content))
                if status == 201:
                    self.ledger.version(resource["id"], resource["version"], hashlib.sha256(content).hexdigest())
                    mine.append(resource["id"])
            elif rng.random() < 0.7:
                target = rng.choice(mine)
                content = text_file(rng)[:20000]
                status, resource = self.call(holder, token, "PUT", f"/resources/{target}/content", *multipart(None, content))
                if status == 200:
                    self.ledger.version(target, resource["version"], hashlib.sha256(content).hexdigest())
            else:
                target = mine.pop(rng.randrange(len(mine)))
                status, _ = self.call(holder, token, "POST", f"/resources/{target}/submit")
                if status == 200:
                    with self.ledger.lock:
                        self.ledger.submitted.add(target)
        holder[0].close()

    def reviewer(self) -> None:
        token = self.tokens["reviewer"]
        holder = [Client(self.port, token)]
        while not self.stop_event.is_set():
            status, queue = self.call(holder, token, "GET", "/reviews/queue?type=resource&pageSize=5")
            if status != 200 or not queue["items"]:
                time.sleep(0.05)
                continue
            item = queue["items"][0]
            decision = {"decision": "approve", "checks": CHECKS, "comment": "集群测试", "version": item["version"]}
            status, review = self.call(holder, token, "POST", f"/reviews/resource/{item['id']}/decision", json.dumps(decision).encode())
            if status == 201:
                self.ledger.approve(item["id"], review["version"])
        holder[0].close()

    def reader(self, rng: random.Random) -> None:
        token = self.tokens["learner"]
        holder = [Client(self.port, token)]
        while not self.stop_event.is_set():
            path = rng.choice(["/search?q=" + urllib.parse.quote(rng.choice(["焊接", "电弧", "hanjie", "变形"])),
                               "/resources?pageSize=20", "/recommendations", "/graph/majors/460110"])
            self.call(holder, token, "GET", path)
        holder[0].close()


def visibility(writer: Node, reader: Node, tokens: dict, uploads: int) -> list[float]:
    """Seconds from an upload's 201 on `writer` until search on `reader` finds it, for each of `uploads` uploads."""
    upload = Client(writer.port, tokens["teacher"])
    search = Client(reader.port, tokens["teacher"])
    delays = []
    for _ in range(uploads):
        marker = uuid.uuid4().hex[:10]
        metadata = {"title": f"可见性 {marker}", "major": "460110", "course": "weld-methods", "knowledgePoints": ["arc"], "original": True}
        status, _ = upload.call("POST", "/resources", *multipart(metadata, f"跨节点检索 {marker}\n".encode()))
        if status != 201:
            raise SystemExit(f"upload through {writer.name} answered {status}")
        acknowledged = time.monotonic()
        while True:
            status, found = search.call("GET", f"/search?q={marker}&status=draft")
            if status == 200 and found["total"] >= 1:
                delays.append(time.monotonic() - acknowledged)
                break
            if time.monotonic() - acknowledged > 10:
                raise SystemExit(f"an upload through {writer.name} was not found on {reader.name} within 10 s")
            time.sleep(0.01)
    upload.close()
    search.close()
    return delays


def wait_for_write(port: int, token: str, timeout: float) -> float:
    """Seconds until a write through `port` succeeds (a new resource), trying every 100 ms."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            client = Client(port, token)
            metadata = {"title": f"切换后写入 {uuid.uuid4().hex[:8]}", "major": "460110", "course": "weld-methods",
                        "knowledgePoints": ["arc"], "original": True}
            status, _ = client.call("POST", "/resources", *multipart(metadata, b"failover\n"))
            client.close()
            if status == 201:
                return time.monotonic() - started
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.1)
    raise SystemExit(f"no write succeeded within {timeout:.0f} s")


def missing_in_copy(database: str, ledger) -> list[str]:
    """Every acknowledged version (with its hash) and approval is in a library's SQLite file."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        stored = {(r, v): h for r, v, h in db.execute("SELECT resource, version, sha256 FROM resourceVersions")}
        approved = set(db.execute("SELECT itemId, version FROM reviews WHERE itemType = 'resource' AND decision = 'approve'"))
    problems = []
    with ledger.lock:
        for resource, versions in ledger.versions.items():
            for version, sha256 in versions.items():
                if stored.get((resource, version)) != sha256:
                    problems.append(f"the copy back lacks resource {resource} version {version}")
        for resource, version in ledger.approved.items():
            if (resource, version) not in approved:
                problems.append(f"the copy back lacks the approval of {resource} version {version}")
    return problems[:20]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=".build/debug/granary")
    parser.add_argument("--metadata", default="Metadata")
    parser.add_argument("--short", action="store_true", help="the CI version: fewer uploads, shorter phases")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, data) afterwards")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    uploads, seconds = (40, 8) if args.short else (200, 20)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    work = tempfile.mkdtemp(prefix="granary-cluster-")
    os.chmod(work, 0o755)  # PostgreSQL runs as its own user and must reach its folder inside
    binary, metadata = os.path.abspath(args.binary), os.path.abspath(args.metadata)
    print(f"cluster run: seed {seed}, work {work}", flush=True)
    problems: list[str] = []
    started = time.monotonic()
    postgres = PostgresPair(os.path.join(work, "postgres"))
    seaweed = ReplicatedSeaweed(os.path.join(work, "seaweed"))
    nodes: list[Node] = []
    haproxy = None
    try:
        postgres.start()
        seaweed.start()
        print(f"servers: PostgreSQL primary :{postgres.primary_port} + synchronous standby :{postgres.standby_port}, "
              f"SeaweedFS {seaweed.endpoint} on two volume servers ({time.monotonic() - started:.1f} s)", flush=True)
        # Every node, and every command an operator runs beside them, reads the same sealing key (--secrets).
        secrets = os.path.join(work, "secrets.key")
        with open(os.open(secrets, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as key:
            key.write(base64.b64encode(os.urandom(32)).decode() + "\n")
        environment = dict(seaweed.environment(), GRANARY_SECRETS=secrets)
        nodes = [Node(f"node{i + 1}", binary, metadata, work, postgres.url(), seaweed.blobs_url(), environment) for i in range(2)]
        first = nodes[0].start(demo=True)
        second = nodes[1].start()
        haproxy = Haproxy(work, nodes)
        haproxy.start()
        print(f"nodes: node1 started with the demo in {first:.1f} s, node2 in {second:.1f} s; haproxy :{haproxy.port}", flush=True)
        tokens = {"teacher": log_in(haproxy.port, "zhang.laoshi"), "reviewer": log_in(haproxy.port, "wang.shenhe"),
                  "learner": log_in(haproxy.port, "xuesheng"), "admin": log_in(haproxy.port, "admin")}
        ledger = Ledger()

        # 1. Visibility across nodes under load.
        load = Load(haproxy.port, tokens, ledger, teachers=4, readers=8, seed=seed)
        load.start()
        delays = visibility(nodes[0], nodes[1], tokens, uploads // 2) + visibility(nodes[1], nodes[0], tokens, uploads - uploads // 2)
        load.stop()
        p50, p99 = percentile(delays, 0.5), percentile(delays, 0.99)
        line = f"1. visibility: {len(delays)} uploads found on the other node, p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms"
        print(line + f"; load beside it: {load.requests} requests, {len(load.failures)} failed", flush=True)
        if p99 > 1.0:
            problems.append(f"visibility p99 {p99:.2f} s is over 1 s")
        if load.failures:
            problems.append(f"{len(load.failures)} requests failed with every node up: {load.failures[:3]}")
        problems += missing_acknowledged(haproxy.port, tokens["admin"], ledger)

        # 2. kill -9 of a node under load.
        load = Load(haproxy.port, tokens, ledger, teachers=4, readers=8, seed=seed + 1)
        load.start()
        time.sleep(seconds / 2)
        killed_at = time.monotonic()
        nodes[1].kill()
        time.sleep(seconds / 2)
        load.stop()
        restart = nodes[1].start()
        print(f"2. kill -9 of node2 under load: {load.requests} requests, {len(load.failures)} failed "
              f"(at most {load.clients} may: one per client in flight); node2 restarted and rejoined in {restart:.1f} s", flush=True)
        late = [f for f in load.failures if f[0] < killed_at or f[0] > killed_at + 5]
        if len(load.failures) > load.clients or late:
            problems.append(f"kill of a node failed {len(load.failures)} requests ({len(late)} away from the kill): {load.failures[:3]}")
        problems += missing_acknowledged(haproxy.port, tokens["admin"], ledger)

        # 3. kill -9 of the primary, then promotion of the standby.
        load = Load(haproxy.port, tokens, ledger, teachers=2, readers=4, seed=seed + 2)
        load.start()
        time.sleep(seconds / 4)
        postgres.kill_primary()
        time.sleep(2)
        promoted_at = time.monotonic()
        postgres.promote_standby()
        promotion = time.monotonic() - promoted_at
        back = wait_for_write(haproxy.port, tokens["teacher"], 60) + promotion
        # Each node on its own, not only the first haproxy found: both must have found the new primary.
        healthy = []
        for node in nodes:
            while not node.healthy() and time.monotonic() - promoted_at < 60:
                time.sleep(0.1)
            healthy.append(time.monotonic() - promoted_at)
        time.sleep(seconds / 4)
        load.stop()
        print(f"3. kill -9 of the primary, promotion took {promotion:.1f} s; writes through haproxy succeed again "
              f"{back:.1f} s after the promotion began, both nodes healthy by {max(healthy):.1f} s, without a restart; "
              f"{len(load.failures)} requests failed meanwhile", flush=True)
        if max(back, *healthy) > 15:
            problems.append(f"the nodes took {max(back, *healthy):.1f} s to write to the new primary (15 s allowed)")
        problems += missing_acknowledged(haproxy.port, tokens["admin"], ledger)
        for node in nodes:
            if node.process.poll() is not None:
                problems.append(f"{node.name} stopped during the failover")

        # 4. A volume server lost: every blob still reads back with its hash.
        seaweed.kill_volume(0)
        verify = nodes[0].verify()
        print(f"4. volume server 1 killed: granary verify read every blob back: "
              + (verify.stdout.strip().splitlines() or ["(no output)"])[-1], flush=True)
        if verify.returncode != 0:
            problems.append("granary verify after losing a volume server: " + verify.stdout.strip().replace("\n", " | ")[:800])
        problems += missing_acknowledged(haproxy.port, tokens["admin"], ledger)

        # 5. The way back: the cluster's library copied into a folder, verified there, every acknowledged change in it.
        back = os.path.join(work, "back")
        copied = nodes[0].command(["copy", "--to-data", back])
        if copied.returncode != 0:
            problems.append("granary copy --to-data: " + (copied.stderr or copied.stdout).strip().replace("\n", " | ")[-800:])
        else:
            verify = subprocess.run([binary, "verify", "--data", back, "--metadata", metadata], capture_output=True, text=True, timeout=600)
            print("5. the way back: granary copy --to-data " + " ".join(copied.stdout.split("\n")[:2]).strip()
                  + "; verify there: " + (verify.stdout.strip().splitlines() or ["(no output)"])[-1], flush=True)
            if verify.returncode != 0:
                problems.append("granary verify of the copy back: " + verify.stdout.strip().replace("\n", " | ")[:800])
            problems += missing_in_copy(os.path.join(back, "granary.sqlite"), ledger)

        versions = sum(len(v) for v in ledger.versions.values())
        print(f"acknowledged and found: {len(ledger.versions)} resources, {versions} versions, {len(ledger.approved)} approvals; "
              f"{time.monotonic() - started:.0f} s in all", flush=True)
    except Exception as error:  # a hang or a crash of the script itself: keep the logs to look at
        problems.append(f"the run stopped: {type(error).__name__}: {error}")
        traceback.print_exc()
        for node in nodes:
            node.dump_threads()
    finally:
        for node in nodes:
            node.stop()
        if haproxy:
            haproxy.stop()
        seaweed.stop()
        postgres.stop()
        if not args.keep and not problems:
            shutil.rmtree(work, ignore_errors=True)
    for problem in problems:
        print("   " + problem, file=sys.stderr)
    print("cluster run " + ("passed" if not problems else f"FAILED ({len(problems)} problems; logs in {work})"), flush=True)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
