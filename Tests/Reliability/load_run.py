#!/usr/bin/env python3
"""Load run (issue 8): 64 concurrent uploaders and 200 concurrent searchers/readers for 60 s on loopback against
`granary serve --demo`; no answer may be a 5xx (nor any other unexpected status), no request may fail to connect or
time out, no acknowledged upload may be lost or stored twice, the server log may never say "database is locked"
(SQLITE_BUSY), and `granary verify` must be clean afterwards. Reports req/s and p50/p99/max latency per route.

    python3 Tests/Reliability/load_run.py --binary .build/release/granary                 # 64 + 200 for 60 s
    python3 Tests/Reliability/load_run.py --binary .build/release/granary --short         # CI: 8 + 32 for 10 s
    python3 Tests/Reliability/load_run.py --binary .build/release/granary --rate 600      # open loop: 600 requests/s

Closed loop (the default), each client sends its next request when the last one is answered, so a slow server is
offered less work and its queue never shows. With `--rate R` the run is open loop: every client has a timetable, the
clients together due R requests a second spread evenly, and a request's latency counts from when it was due, not from
when a busy client got round to sending it: queueing shows as latency. The summary says whether every route's p99
stayed within `--p99-limit` (100 ms) and what rate the clients kept up; run it at rising rates to find the capacity.

Uploaders (teachers, each on its own keep-alive connection) upload small distinct text files and PNGs with valid
metadata for the demo major, and now and then a new version of one of their own resources (PUT …/content).
Readers: three in four log in as the demo learner (xuesheng) and use GET /search in Chinese and pinyin, the /search
web page, GET /resources, GET /resources/{id} (JSON and web page), GET /resources/{id}/content of the published demo
resources (checking the bytes' sha256), GET /recommendations and GET /graph/majors/{code}; one in four is anonymous
and uses what needs no log-in (GET /graph/majors/{code}, the home page, GET /courses, GET /majors/{code}/plan,
GET /catalogue/majors?q=). Readers and uploaders loop without pause. The client runs in several processes (threads in
each), so Python's GIL is not the only bottleneck. Afterwards every acknowledged upload and version is
read back by its owner, the server is stopped, and the SQLite file is opened read-only to check that the resources
carrying this run's title marker are exactly the acknowledged ones, each once.

Standard library only. Prints a one-line summary, then a per-route table and any problem; exits 1 on a broken promise.
"""
import argparse
import collections
import concurrent.futures
import hashlib
import http.client
import json
import math
import multiprocessing
import os
import random
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid
import zlib

# Helpers shared by this folder's scripts (as full_disk.py takes them).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crash_rounds import free_port, log_in, multipart, stop_process  # noqa: E402

PASSWORD = "granary-demo"
# The extra teachers' password: `granary users add` holds it to the password policy (10+ characters, 3 classes).
TEACHER_PASSWORD = "Load-teacher-2026"
LEARNER = "xuesheng"
DEMO_TEACHERS = ["zhang.laoshi", "li.laoshi"]
MAJOR = "460110"
# (course, knowledge points) of the demo major, as in Sources/GranaryStore/Demo/DemoLibrary.swift.
COURSE_POINTS = [
    ("weld-methods", ["arc", "smaw", "gmaw", "gtaw", "saw", "safety"]),
    ("weld-structure", ["distortion", "wps", "fitup", "card"]),
    ("weld-inspection", ["visual", "rt", "ut", "defects"]),
    ("mech-drawing", ["views", "symbols"]),
]
# Chinese terms of 2–4 characters found in the demo's published resources, plus pinyin and initials.
SEARCH_TERMS = [
    "焊接", "电弧", "焊缝", "坡口", "熔滴", "变形", "气体保护", "焊接电弧", "焊接变形", "安全防护", "工艺评定",
    "熔滴过渡", "声音", "物理本质", "hanjie", "hj", "dianhu", "hanjiebianxing", "CO2",
]
CATALOGUE_TERMS = [urllib.parse.quote(t) for t in ["焊接", "机器人", "智能焊接", "hanjie", "460110", "机电"]]
LOCK_PATTERNS = ["database is locked", "SQLITE_BUSY", "database table is locked"]


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


# --------------------------------------------------------------------------------------------------------------------
# HTTP client


class Client:
    """One keep-alive connection; `call` returns (status, body bytes). Reconnects after a failed request."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 30):
        self.port, self.token, self.timeout = port, token, timeout
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

    def call(self, method: str, path: str, body: bytes | None = None, content_type: str = "application/json",
             api: bool = True) -> tuple[int, bytes]:
        headers = {"Content-Type": content_type} if body is not None else {}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        try:
            self.connection.request(method, ("/api/v1" if api else "") + path, body=body, headers=headers)
            response = self.connection.getresponse()
            return response.status, response.read()
        except BaseException:
            self.reset()
            raise

    def json(self, method: str, path: str, value=None) -> tuple[int, object]:
        status, data = self.call(method, path, None if value is None else json.dumps(value).encode())
        try:
            return status, (json.loads(data) if data else None)
        except ValueError:
            return status, None

    def reset(self) -> None:
        self.connection.close()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def close(self) -> None:
        self.connection.close()


def text_file(rng: random.Random, tag: str) -> bytes:
    """A few KB of distinct Chinese text."""
    lines = [f"负载测试讲义 {tag} {uuid.uuid4().hex}"]
    for _ in range(rng.randint(10, 120)):
        lines.append(f"焊接记录 {rng.random():.12f} 电流 {rng.randint(80, 300)} A 电压 {rng.randint(18, 32)} V 焊接速度 {rng.randint(10, 60)} cm/min")
    return ("\n".join(lines) + "\n").encode()


def png_file(rng: random.Random) -> bytes:
    """A small valid RGB PNG with random (hence distinct) pixels."""
    width, height = rng.randint(8, 48), rng.randint(8, 48)
    raw = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


# --------------------------------------------------------------------------------------------------------------------
# Statistics of one thread, merged per process and then in the parent


class Stats:
    def __init__(self):
        self.latency: dict[str, list[float]] = collections.defaultdict(list)
        self.status: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.errors: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.samples: list[str] = []  # unexpected answers and failures, for the report
        self.bad_content = 0
        self.last_end = 0.0
        # Open loop: when the request being timed was due (time.monotonic()), or None to time from sending.
        self.due: float | None = None

    def note(self, text: str) -> None:
        if len(self.samples) < 40:
            self.samples.append(text)

    def merge(self, other: "Stats") -> None:
        for route, values in other.latency.items():
            self.latency[route].extend(values)
        for route, counter in other.status.items():
            self.status[route].update(counter)
        for route, counter in other.errors.items():
            self.errors[route].update(counter)
        for sample in other.samples:
            self.note(sample)
        self.bad_content += other.bad_content
        self.last_end = max(self.last_end, other.last_end)

    def as_dict(self) -> dict:
        return {
            "latency": dict(self.latency),
            "status": {k: dict(v) for k, v in self.status.items()},
            "errors": {k: dict(v) for k, v in self.errors.items()},
            "samples": self.samples,
            "bad_content": self.bad_content,
            "last_end": self.last_end,
        }

    @staticmethod
    def from_dict(d: dict) -> "Stats":
        stats = Stats()
        for route, values in d["latency"].items():
            stats.latency[route] = values
        for route, counter in d["status"].items():
            stats.status[route] = collections.Counter({int(k): v for k, v in counter.items()})
        for route, counter in d["errors"].items():
            stats.errors[route] = collections.Counter(counter)
        stats.samples = list(d["samples"])
        stats.bad_content = d["bad_content"]
        stats.last_end = d["last_end"]
        return stats


def timed(client: Client, stats: Stats, route: str, method: str, path: str, expected: tuple[int, ...] = (200,),
          body: bytes | None = None, content_type: str = "application/json", api: bool = True) -> tuple[int | None, bytes]:
    """One measured request. Failures to connect/answer are counted as errors (and reconnect); returns (None, b"")."""
    started = stats.due if stats.due is not None else time.monotonic()
    try:
        status, data = client.call(method, path, body, content_type, api)
    except (OSError, http.client.HTTPException) as error:
        kind = "timeout" if isinstance(error, TimeoutError) else type(error).__name__
        stats.errors[route][kind] += 1
        stats.note(f"{method} {path}: {kind} {error!s:.120} after {time.monotonic() - started:.2f} s")
        stats.last_end = time.monotonic()
        return None, b""
    elapsed = time.monotonic() - started
    stats.latency[route].append(elapsed)
    stats.status[route][status] += 1
    stats.last_end = time.monotonic()
    if status not in expected:
        stats.note(f"{method} {path} -> {status} in {elapsed:.2f} s: {data[:300].decode('utf-8', 'replace')}")
    return status, data


# --------------------------------------------------------------------------------------------------------------------
# Client workers (run in child processes)


def next_due(pacing: dict | None, begin: list, deadline: list, stats: Stats, count: int) -> bool:
    """Open loop: sets when this client's request number `count` is due and sleeps until then; False once that is
    past the end of the run. Closed loop (no pacing): always True, nothing due."""
    if pacing is None:
        return time.monotonic() < deadline[0]
    due = begin[0] + pacing["phase"] + count * pacing["interval"]
    if due >= deadline[0]:
        return False
    delay = due - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    stats.due = due
    return True


def uploader(port: int, number: int, teacher: str, token: str, marker: str, seed: int, version_share: float,
             timeout: float, go: threading.Event, begin: list, deadline: list, pacing: dict | None, stats: Stats,
             ledger: dict) -> None:
    rng = random.Random(seed)
    client = Client(port, token, timeout)
    mine: list[str] = []
    count = 0
    sent = 0
    go.wait()
    try:
        while next_due(pacing, begin, deadline, stats, sent):
            sent += 1
            if mine and rng.random() < version_share:
                target = rng.choice(mine)
                if rng.random() < 0.8:
                    content, filename, mime = text_file(rng, f"{marker} u{number} v"), "notes.txt", "text/plain"
                else:
                    content, filename, mime = png_file(rng), "figure.png", "image/png"
                digest = hashlib.sha256(content).hexdigest()
                body, kind = multipart(None, content, filename, mime)
                status, data = timed(client, stats, "PUT /resources/{id}/content", "PUT", f"/resources/{target}/content",
                                     (200,), body, kind)
                if status is None:
                    ledger["unknown_versions"].append((target, digest))
                elif status == 200:
                    resource = json.loads(data)
                    ledger["resources"][target]["versions"][resource["version"]] = digest
                    if resource.get("sha256") != digest:
                        stats.note(f"PUT /resources/{target}/content answered sha256 {resource.get('sha256')} for {digest}")
                        stats.bad_content += 1
                continue
            count += 1
            title = f"{marker} 焊接负载讲义 u{number:03d}-{count:05d}"
            course, points = rng.choice(COURSE_POINTS)
            original = rng.random() < 0.8
            metadata = {
                "title": title,
                "description": "负载测试上传",
                "major": MAJOR,
                "course": course,
                "knowledgePoints": rng.sample(points, rng.randint(1, min(2, len(points)))),
                "original": original,
                "tags": ["负载测试"],
            }
            if not original:
                metadata["source"] = "行业公开资料"
            if rng.random() < 0.8:
                content, filename, mime = text_file(rng, title), "notes.txt", "text/plain"
            else:
                content, filename, mime = png_file(rng), "figure.png", "image/png"
            digest = hashlib.sha256(content).hexdigest()
            body, kind = multipart(metadata, content, filename, mime)
            status, data = timed(client, stats, "POST /resources", "POST", "/resources", (201,), body, kind)
            if status is None:
                ledger["unknown_uploads"][title] = digest
            elif status == 201:
                resource = json.loads(data)
                ledger["resources"][resource["id"]] = {
                    "title": title, "teacher": teacher, "versions": {resource["version"]: digest},
                }
                if resource.get("sha256") != digest or resource.get("title") != title:
                    stats.note(f"POST /resources answered {resource.get('title')} {resource.get('sha256')} for {title} {digest}")
                    stats.bad_content += 1
                mine.append(resource["id"])
    except Exception:  # a bug in this script must not pass for a quiet run
        stats.errors["client"]["exception"] += 1
        stats.note("uploader crashed: " + traceback.format_exc(limit=3))
    finally:
        client.close()


def reader(port: int, number: int, token: str | None, demo: list[dict], seed: int, timeout: float,
           go: threading.Event, begin: list, deadline: list, pacing: dict | None, stats: Stats) -> None:
    rng = random.Random(seed)
    client = Client(port, token, timeout)
    digests = {d["id"]: d["sha256"] for d in demo}
    sent = 0
    go.wait()
    try:
        while next_due(pacing, begin, deadline, stats, sent):
            sent += 1
            roll = rng.random()
            term = urllib.parse.quote(rng.choice(SEARCH_TERMS))
            item = rng.choice(demo)
            if token is None:  # anonymous: what needs no log-in (API and web search need a session)
                if roll < 0.30:
                    timed(client, stats, "GET /graph/majors/{code}", "GET", f"/graph/majors/{MAJOR}")
                elif roll < 0.50:
                    timed(client, stats, "GET / (page)", "GET", "/", api=False)
                elif roll < 0.65:
                    timed(client, stats, "GET /courses", "GET", "/courses")
                elif roll < 0.80:
                    timed(client, stats, "GET /majors/{code}/plan", "GET", f"/majors/{MAJOR}/plan")
                else:
                    timed(client, stats, "GET /catalogue/majors", "GET", f"/catalogue/majors?q={rng.choice(CATALOGUE_TERMS)}")
            elif roll < 0.30:
                suffix = rng.choice(["", "", "&sort=newest", "&course=weld-methods", "&pageSize=50", "&sort=popular"])
                timed(client, stats, "GET /search", "GET", f"/search?q={term}{suffix}")
            elif roll < 0.40:
                timed(client, stats, "GET /search (page)", "GET", f"/search?q={term}", api=False)
            elif roll < 0.55:
                timed(client, stats, "GET /resources/{id}", "GET", f"/resources/{item['id']}")
            elif roll < 0.60:
                timed(client, stats, "GET /resources/{id} (page)", "GET", f"/resources/{item['id']}", api=False)
            elif roll < 0.80:
                status, data = timed(client, stats, "GET /resources/{id}/content", "GET", f"/resources/{item['id']}/content")
                if status == 200 and hashlib.sha256(data).hexdigest() != digests[item["id"]]:
                    stats.bad_content += 1
                    stats.note(f"GET /resources/{item['id']}/content: bytes do not match sha256 {digests[item['id']]}")
            elif roll < 0.90:
                suffix = rng.choice(["", "?course=weld-methods", "?pageSize=100", "?kind=document"])
                timed(client, stats, "GET /resources", "GET", f"/resources{suffix}")
            elif roll < 0.95:
                timed(client, stats, "GET /recommendations", "GET", f"/recommendations?resource={item['id']}")
            else:
                timed(client, stats, "GET /graph/majors/{code}", "GET", f"/graph/majors/{MAJOR}")
    except Exception:
        stats.errors["client"]["exception"] += 1
        stats.note("reader crashed: " + traceback.format_exc(limit=3))
    finally:
        client.close()


def worker_process(index: int, port: int, plan: dict, go, start_at, seconds: float, timeout: float, results) -> None:
    """One client process: its share of uploader and reader threads; sends back merged statistics and the ledger."""
    threading.stack_size(512 * 1024)
    local_go = threading.Event()
    begin = [0.0]
    deadline = [0.0]
    ledger = {"resources": {}, "unknown_uploads": {}, "unknown_versions": []}
    thread_stats: list[Stats] = []
    threads = []
    for spec in plan["uploaders"]:
        stats = Stats()
        thread_stats.append(stats)
        threads.append(threading.Thread(
            target=uploader,
            args=(port, spec["number"], spec["teacher"], spec["token"], plan["marker"], spec["seed"], plan["version_share"],
                  timeout, local_go, begin, deadline, spec.get("pacing"), stats, ledger),
        ))
    for spec in plan["readers"]:
        stats = Stats()
        thread_stats.append(stats)
        threads.append(threading.Thread(
            target=reader,
            args=(port, spec["number"], spec["token"], plan["demo"], spec["seed"], timeout, local_go, begin, deadline, spec.get("pacing"), stats),
        ))
    for thread in threads:
        thread.start()
    results.put(("ready", index))
    go.wait()
    begin[0] = start_at.value
    deadline[0] = start_at.value + seconds
    cpu_started = time.process_time()
    local_go.set()
    for thread in threads:
        thread.join()
    merged = Stats()
    for stats in thread_stats:
        merged.merge(stats)
    results.put(("done", index, merged.as_dict(), ledger, time.process_time() - cpu_started))


# --------------------------------------------------------------------------------------------------------------------
# The server


class Server:
    def __init__(self, binary: str, metadata: str, data: str, log_path: str):
        self.binary, self.metadata, self.data, self.log_path = binary, metadata, data, log_path
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> float:
        arguments = [self.binary, "serve", "--demo", "--data", self.data, "--metadata", self.metadata,
                     "--port", str(self.port), "--bcrypt-cost", "4"]
        started = time.monotonic()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(arguments, stdout=log, stderr=log)
        while time.monotonic() < started + 120:
            if self.process.poll() is not None:
                raise SystemExit(f"granary serve stopped at start (exit {self.process.returncode}); see {self.log_path}")
            try:
                status, _ = Client(self.port, timeout=5).call("GET", "/health")
                if status == 200:
                    return time.monotonic() - started
            except OSError:
                pass
            time.sleep(0.05)
        raise SystemExit("granary serve did not answer /health within 120 s")

    def cpu_seconds(self) -> float:
        try:
            with open(f"/proc/{self.process.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError, AttributeError):
            return float("nan")

    def peak_rss_mb(self) -> float:
        try:
            with open(f"/proc/{self.process.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except (OSError, AttributeError):
            pass
        return float("nan")

    def stop(self) -> int | None:
        """Stops the server by its pid (SIGTERM, then SIGKILL after 15 s); returns its exit status."""
        return None if self.process is None else stop_process(self.process, grace=15)


def add_teacher(server: Server, username: str) -> None:
    result = subprocess.run(
        [server.binary, "users", "add", "--data", server.data, "--metadata", server.metadata, "--username", username,
         "--role", "teacher", "--institution", "负载测试学院", "--password-stdin", "--bcrypt-cost", "4"],
        input=TEACHER_PASSWORD + "\n", capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"granary users add {username} failed: {result.stdout}{result.stderr}")


# --------------------------------------------------------------------------------------------------------------------
# Checks after the run


def read_back(port: int, tokens: dict[str, str], ledger: dict, timeout: float) -> list[str]:
    """Every acknowledged upload and version, read back by its owner while the server still runs."""
    problems: list[str] = []
    local = threading.local()
    unknown_versions = collections.defaultdict(set)
    for resource, digest in ledger["unknown_versions"]:
        unknown_versions[resource].add(digest)

    def check_one(item: tuple[str, dict]) -> list[str]:
        resource, record = item
        if not hasattr(local, "clients"):
            local.clients = {}
        client = local.clients.setdefault(record["teacher"], Client(port, tokens[record["teacher"]], timeout))
        found = []
        try:
            status, body = client.json("GET", f"/resources/{resource}")
        except (OSError, http.client.HTTPException) as error:
            return [f"read-back of {resource} failed: {error!r}"]
        if status != 200:
            return [f"acknowledged resource {resource} ({record['title']}) is gone: GET answered {status}"]
        versions = record["versions"]
        last = max(versions)
        if body.get("title") != record["title"]:
            found.append(f"resource {resource}: title {body.get('title')!r}, acknowledged {record['title']!r}")
        if body.get("version") == last:
            if body.get("sha256") != versions[last]:
                found.append(f"resource {resource} version {last}: sha256 {body.get('sha256')}, acknowledged {versions[last]}")
        elif not (body.get("version", 0) > last and body.get("sha256") in unknown_versions[resource]):
            found.append(f"resource {resource}: current version {body.get('version')}, last acknowledged {last}")
        if len(versions) > 1 or unknown_versions[resource]:
            status, listing = client.json("GET", f"/resources/{resource}/versions")
            if status != 200:
                found.append(f"GET /resources/{resource}/versions answered {status}")
            else:
                stored = {v["version"]: v["sha256"] for v in listing["items"]}
                for version, digest in versions.items():
                    if stored.get(version) != digest:
                        found.append(f"resource {resource} version {version}: stored {stored.get(version)}, acknowledged {digest}")
        return found

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        for found in pool.map(check_one, ledger["resources"].items()):
            problems.extend(found)
    return problems


def check_database(data: str, marker: str, ledger: dict) -> tuple[list[str], list[str], dict]:
    """After the server stopped: the resources carrying the marker are the acknowledged ones, each once.

    Returns (problems, explained notes, figures). A resource the client never heard about is explained only when its
    title is one whose upload timed out or lost its connection (the server may have stored it); likewise versions."""
    problems, notes = [], []
    path = os.path.join(data, "granary.sqlite")
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = connection.execute(
            "SELECT r.id, v.title, v.sha256 FROM resources r JOIN resourceVersions v ON v.resource = r.id AND v.version = 1 "
            "WHERE v.title LIKE ? ESCAPE '\\'",
            (marker.replace("%", "\\%").replace("_", "\\_") + "%",),
        ).fetchall()
        version_rows = connection.execute(
            "SELECT v.resource, v.version, v.sha256 FROM resourceVersions v WHERE v.resource IN "
            "(SELECT resource FROM resourceVersions WHERE version = 1 AND title LIKE ? ESCAPE '\\')",
            (marker.replace("%", "\\%").replace("_", "\\_") + "%",),
        ).fetchall()
    finally:
        connection.close()
    acknowledged = ledger["resources"]
    by_title = collections.defaultdict(list)
    for resource, title, _ in rows:
        by_title[title].append(resource)
    stored_ids = collections.Counter(resource for resource, _, _ in rows)
    for title, ids in by_title.items():
        if len(ids) > 1:
            problems.append(f"duplicated: {len(ids)} resources titled {title!r}: {ids}")
    for resource, count in stored_ids.items():
        if count > 1:
            problems.append(f"resource {resource} appears {count} times")
    for resource, record in acknowledged.items():
        if resource not in stored_ids:
            problems.append(f"lost: acknowledged resource {resource} ({record['title']}) is not in the database")
    extras = [(resource, title, digest) for resource, title, digest in rows if resource not in acknowledged]
    explained_uploads = 0
    for resource, title, digest in extras:
        if ledger["unknown_uploads"].get(title) == digest:
            explained_uploads += 1
            notes.append(f"{resource} ({title}) was stored though its upload failed client-side (timeout/connection lost)")
        else:
            problems.append(f"unacknowledged resource {resource} ({title}) is in the database: a duplicate or phantom")
    stored_versions = collections.defaultdict(dict)
    for resource, version, digest in version_rows:
        stored_versions[resource][version] = digest
    unknown_versions = collections.defaultdict(set)
    for resource, digest in ledger["unknown_versions"]:
        unknown_versions[resource].add(digest)
    explained_versions = 0
    for resource, record in acknowledged.items():
        stored = stored_versions.get(resource, {})
        for version, digest in record["versions"].items():
            if stored.get(version) != digest:
                problems.append(f"resource {resource} version {version}: database has {stored.get(version)}, acknowledged {digest}")
        for version, digest in stored.items():
            if version in record["versions"]:
                continue
            if digest in unknown_versions[resource]:
                explained_versions += 1
                notes.append(f"{resource} version {version} was stored though its PUT failed client-side")
            else:
                problems.append(f"unacknowledged version {version} of {resource} is in the database")
    acknowledged_versions = sum(len(r["versions"]) for r in acknowledged.values())
    figures = {
        "stored_resources": len(rows),
        "acknowledged_resources": len(acknowledged),
        "stored_versions": len(version_rows),
        "acknowledged_versions": acknowledged_versions,
        "explained_uploads": explained_uploads,
        "explained_versions": explained_versions,
    }
    if len(rows) != len(acknowledged) + explained_uploads and not problems:
        problems.append(f"{len(rows)} marked resources stored, {len(acknowledged)} acknowledged")
    return problems, notes, figures


def scan_log(path: str) -> tuple[int, list[str], int, list[str]]:
    """Lines naming a locked database, and error-level lines (unexpected errors), in the server's output."""
    locked, locked_lines, errors, error_lines = 0, [], 0, []
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip()
            if any(p.lower() in line.lower() for p in LOCK_PATTERNS):
                locked += 1
                if len(locked_lines) < 5:
                    locked_lines.append(line[:300])
            if " error " in line.lower() or "unexpected error" in line.lower() or " critical " in line.lower():
                errors += 1
                if len(error_lines) < 5:
                    error_lines.append(line[:300])
    return locked, locked_lines, errors, error_lines


# --------------------------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=".build/release/granary")
    parser.add_argument("--metadata", default=None, help="the Metadata folder (default: the repository's)")
    parser.add_argument("--uploaders", type=int, default=None, help="concurrent uploading clients (64; --short 8)")
    parser.add_argument("--readers", type=int, default=None, help="concurrent searching/reading clients (200; --short 32)")
    parser.add_argument("--seconds", type=float, default=None, help="length of the load (60; --short 10)")
    parser.add_argument("--short", action="store_true", help="the CI version: 8 uploaders, 32 readers, 10 s")
    parser.add_argument("--processes", type=int, default=None, help="client processes (default: 2 per core, at least 2)")
    parser.add_argument("--teachers", type=int, default=None, help="extra teacher accounts made with `granary users add` "
                        "(uploaders share them and the two demo teachers; default 8, --short 2)")
    parser.add_argument("--version-share", type=float, default=0.15, help="share of uploads that are a new version")
    parser.add_argument("--timeout", type=float, default=30, help="client timeout per request, seconds")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--json", default=None, help="also write the figures to this file as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the data folder and server log even when all passes")
    parser.add_argument("--rate", type=float, default=None, help="open loop: requests a second the clients are due, "
                        "spread evenly over them; latency counts from when a request was due (default: closed loop)")
    parser.add_argument("--p99-limit", type=float, default=100, help="with --rate: the p99 every route must stay within, ms")
    args = parser.parse_args()
    uploaders = args.uploaders if args.uploaders is not None else (8 if args.short else 64)
    readers = args.readers if args.readers is not None else (32 if args.short else 200)
    seconds = args.seconds if args.seconds is not None else (10 if args.short else 60)
    teachers_extra = args.teachers if args.teachers is not None else (2 if args.short else 8)
    processes = args.processes or max(2, 2 * (os.cpu_count() or 1))
    processes = max(1, min(processes, uploaders + readers))
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    repository = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    metadata = os.path.abspath(args.metadata or os.path.join(repository, "Metadata"))
    binary = os.path.abspath(args.binary)
    marker = f"LOAD{uuid.uuid4().hex[:10]}"
    data = tempfile.mkdtemp(prefix="granary-load-")
    log_path = data.rstrip("/") + ".log"
    server = Server(binary, metadata, data, log_path)

    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    say(f"load run: {uploaders} uploaders + {readers} readers for {seconds:g} s in {processes} client processes, "
        f"seed {seed}, marker {marker}, data {data}, server log {log_path}")
    passed = False
    workers: list[multiprocessing.Process] = []
    try:
        startup = server.start()
        say(f"granary serve --demo answered on port {server.port} after {startup:.2f} s (pid {server.process.pid})")
        teacher_names = list(DEMO_TEACHERS)
        for number in range(1, teachers_extra + 1):
            name = f"load.teacher{number}"
            add_teacher(server, name)
            teacher_names.append(name)
        tokens = {name: log_in(server.port, name, PASSWORD if name in DEMO_TEACHERS else TEACHER_PASSWORD) for name in teacher_names}
        learner = log_in(server.port, LEARNER)
        status, listing = Client(server.port, learner).json("GET", "/resources?pageSize=100")
        if status != 200 or not listing["items"]:
            raise SystemExit(f"the learner cannot list the demo's published resources: {status} {listing}")
        demo = [{"id": r["id"], "sha256": r["sha256"]} for r in listing["items"]]
        say(f"{len(teacher_names)} teachers logged in; {len(demo)} published demo resources to read")

        plans = [{"uploaders": [], "readers": [], "marker": marker, "version_share": args.version_share, "demo": demo}
                 for _ in range(processes)]
        for number in range(uploaders):
            teacher = teacher_names[number % len(teacher_names)]
            plans[number % processes]["uploaders"].append(
                {"number": number, "teacher": teacher, "token": tokens[teacher], "seed": rng.randrange(1 << 30)})
        for number in range(readers):
            plans[(uploaders + number) % processes]["readers"].append(
                {"number": number, "token": None if number % 4 == 3 else learner, "seed": rng.randrange(1 << 30)})
        if args.rate:
            # Every client is due rate / clients requests a second, the clients' timetables offset evenly.
            clients = uploaders + readers
            for position, spec in enumerate(spec for plan in plans for spec in plan["uploaders"] + plan["readers"]):
                spec["pacing"] = {"interval": clients / args.rate, "phase": position / args.rate}

        context = multiprocessing.get_context("fork")
        go = context.Event()
        start_at = context.Value("d", 0.0)
        results = context.Queue()
        workers = [
            context.Process(target=worker_process, args=(i, server.port, plans[i], go, start_at, seconds, args.timeout, results),
                            daemon=True)
            for i in range(processes)
        ]
        for worker in workers:
            worker.start()
        for _ in workers:
            message = results.get(timeout=60)
            assert message[0] == "ready"
        cpu_before = server.cpu_seconds()
        load_before = os.getloadavg()[0]
        start_at.value = time.monotonic()
        go.set()
        say(f"load started: {seconds:g} s")
        total = Stats()
        ledger = {"resources": {}, "unknown_uploads": {}, "unknown_versions": []}
        client_cpu = 0.0
        for _ in workers:
            message = results.get(timeout=seconds + 10 * args.timeout + 120)
            _, _, stats, part, cpu = message
            total.merge(Stats.from_dict(stats))
            ledger["resources"].update(part["resources"])
            ledger["unknown_uploads"].update(part["unknown_uploads"])
            ledger["unknown_versions"].extend(part["unknown_versions"])
            client_cpu += cpu
        for worker in workers:
            worker.join(timeout=30)
        elapsed = max(total.last_end - start_at.value, seconds)
        server_cpu = server.cpu_seconds() - cpu_before
        peak_rss = server.peak_rss_mb()
        load_after = os.getloadavg()[0]
        say(f"load over after {elapsed:.1f} s; {len(ledger['resources'])} uploads acknowledged; reading them back")

        problems: list[str] = []
        read_back_started = time.monotonic()
        problems += read_back(server.port, tokens, ledger, args.timeout)
        say(f"read back in {time.monotonic() - read_back_started:.1f} s; stopping the server")
        exit_status = server.stop()
        if exit_status not in (0, -signal.SIGTERM):
            problems.append(f"granary serve exited with {exit_status} on SIGTERM")
        database_problems, notes, figures = check_database(data, marker, ledger)
        problems += database_problems
        leftovers = os.listdir(os.path.join(data, "tmp")) if os.path.isdir(os.path.join(data, "tmp")) else []
        if leftovers:
            problems.append(f"{len(leftovers)} temporary upload files left in {data}/tmp: {leftovers[:3]}")
        verify = subprocess.run([binary, "verify", "--data", data, "--metadata", metadata], capture_output=True, text=True)
        verify_clean = verify.returncode == 0
        if not verify_clean:
            problems.append("granary verify: " + (verify.stdout + verify.stderr).strip().replace("\n", " | ")[:800])
        locked, locked_lines, log_errors, error_lines = scan_log(log_path)

        # ---- figures
        routes = sorted(set(total.latency) | set(total.errors))
        table = []
        for route in routes:
            values = sorted(total.latency.get(route, []))
            statuses = total.status.get(route, collections.Counter())
            classes = collections.Counter(f"{s // 100}xx" for s in statuses.elements())
            errors = sum(total.errors.get(route, {}).values())
            table.append({
                "route": route, "requests": len(values), "rps": len(values) / elapsed,
                "p50_ms": percentile(values, 0.50) * 1000, "p99_ms": percentile(values, 0.99) * 1000,
                "max_ms": (values[-1] * 1000) if values else float("nan"),
                "2xx": classes["2xx"], "3xx": classes["3xx"], "4xx": classes["4xx"], "5xx": classes["5xx"],
                "errors": errors, "error_kinds": dict(total.errors.get(route, {})),
                "statuses": {str(k): v for k, v in sorted(statuses.items())},
            })
        requests = sum(row["requests"] for row in table)
        server_errors = sum(row["5xx"] for row in table)
        client_errors = sum(row["4xx"] + row["3xx"] for row in table)
        failures = sum(row["errors"] for row in table)
        timeouts = sum(row["error_kinds"].get("timeout", 0) for row in table)
        if server_errors:
            problems.append(f"{server_errors} answers were 5xx")
        if client_errors:
            problems.append(f"{client_errors} answers had an unexpected 3xx/4xx status")
        if failures:
            problems.append(f"{failures} requests failed without an answer ({timeouts} timeouts)")
        if locked:
            problems.append(f"the server log names a locked database {locked} times")
        if total.bad_content:
            problems.append(f"{total.bad_content} answers carried bytes or a sha256 other than expected")
        if not ledger["resources"]:
            problems.append("no upload was acknowledged")
        lost = sum(1 for p in problems if p.startswith("lost:") or "is gone" in p)
        duplicated = sum(1 for p in problems if p.startswith("duplicated:") or p.startswith("unacknowledged"))
        passed = not problems

        # ---- report
        summary = (
            f"LOAD {'PASS' if passed else 'FAIL'}: {uploaders} uploaders + {readers} readers, {elapsed:.1f} s: "
            f"{requests} requests, {requests / elapsed:.0f} req/s; 5xx {server_errors}; other unexpected status {client_errors}; "
            f"connection errors/timeouts {failures}; 'database is locked' {locked}; "
            f"{figures['acknowledged_resources']} uploads + {figures['acknowledged_versions'] - figures['acknowledged_resources']} "
            f"new versions acknowledged, {figures['stored_resources']} stored; lost {lost}, duplicated {duplicated}; "
            f"verify {'clean' if verify_clean else 'NOT clean'}"
        )
        print(summary)
        if args.rate:
            worst = max(table, key=lambda row: row["p99_ms"])
            within = all(row["p99_ms"] <= args.p99_limit for row in table)
            print(f"open loop at {args.rate:g} requests/s due, {requests / elapsed:.0f} answered a second: every route's p99 "
                  f"{'within' if within else 'NOT within'} {args.p99_limit:g} ms (worst {worst['route']} {worst['p99_ms']:.1f} ms)")
        header = f"{'route':32} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'2xx':>7} {'4xx':>5} {'5xx':>5} {'errors':>6}"
        print(header)
        print("-" * len(header))
        for row in table:
            print(f"{row['route']:32} {row['requests']:9d} {row['rps']:8.1f} {row['p50_ms']:8.1f} {row['p99_ms']:8.1f} "
                  f"{row['max_ms']:8.1f} {row['2xx']:7d} {row['4xx'] + row['3xx']:5d} {row['5xx']:5d} {row['errors']:6d}")
        every = sorted(v for values in total.latency.values() for v in values)
        print(f"{'all':32} {requests:9d} {requests / elapsed:8.1f} {percentile(every, 0.5) * 1000:8.1f} "
              f"{percentile(every, 0.99) * 1000:8.1f} {(every[-1] * 1000 if every else float('nan')):8.1f}")
        print(f"server: start-up {startup:.2f} s, CPU {server_cpu:.1f} s over the load ({server_cpu / elapsed:.2f} cores), "
              f"peak RSS {peak_rss:.0f} MB, {log_errors} error lines in its log; client CPU {client_cpu:.1f} s "
              f"({client_cpu / elapsed:.2f} cores) in {processes} processes; machine: {os.cpu_count()} cores, "
              f"load average {load_before:.1f} before, {load_after:.1f} after")
        print(f"database: {figures['stored_resources']} resources with the run's marker ({figures['acknowledged_resources']} "
              f"acknowledged, {figures['explained_uploads']} stored although the client timed out), {figures['stored_versions']} "
              f"versions ({figures['acknowledged_versions']} acknowledged, {figures['explained_uploads']} first versions of those timed-out "
              f"uploads, {figures['explained_versions']} new versions whose PUT timed out)")
        for note in notes[:10]:
            print("  note: " + note)
        for line in locked_lines:
            print("  locked: " + line)
        for line in error_lines:
            print("  server log: " + line)
        if problems:
            print("problems:")
            for problem in problems[:60]:
                print("  " + problem)
        if total.samples:
            print("unexpected answers and failures (first ones):")
            for sample in total.samples[:20]:
                print("  " + sample.replace("\n", " | "))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({
                    "passed": passed, "summary": summary, "uploaders": uploaders, "readers": readers, "seconds": elapsed,
                    "requests": requests, "rps": requests / elapsed, "rate": args.rate, "5xx": server_errors, "unexpected_status": client_errors,
                    "errors": failures, "timeouts": timeouts, "locked": locked, "lost": lost, "duplicated": duplicated,
                    "verify_clean": verify_clean, "routes": table, "database": figures, "server_cpu_s": server_cpu,
                    "client_cpu_s": client_cpu, "peak_rss_mb": peak_rss, "loadavg": [load_before, load_after], "problems": problems, "seed": seed,
                }, f, indent=2, ensure_ascii=False)
        if not passed:
            print(f"data kept in {data}, server log {log_path}")
        return 0 if passed else 1
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
        server.stop()
        if passed and not args.keep:
            shutil.rmtree(data, ignore_errors=True)
            try:
                os.remove(log_path)
            except OSError:
                pass


if __name__ == "__main__":
    sys.exit(main())
