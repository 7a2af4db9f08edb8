#!/usr/bin/env python3
"""A PostgreSQL 15 primary with one SYNCHRONOUS streaming standby on loopback, for Tests/Cluster/run.py.

    with PostgresPair(work_dir) as pair:     # leaving the block calls stop()
        pair.start()                         # returns once standby1 streams with sync_state = 'sync'
        url = pair.url()                     # postgresql://granary:granary-cluster@127.0.0.1:P1,127.0.0.1:P2/granary
        pair.kill_primary()                  # SIGKILL of the primary's postmaster
        pair.promote_standby()               # the standby becomes a stand-alone primary

work_dir gets primary/ and standby/ (data directories), their .log files and sock/ (Unix sockets of both). It is
chowned to the `postgres` OS user, so every parent must be searchable by that user (a tempfile.mkdtemp() directory
is mode 0700: chmod it 0o755 first); keep it short (socket paths max 107 bytes). Only 127.0.0.1 is listened on. Roles:
`postgres` (superuser, trust, Unix socket only), `granary` (SCRAM password `granary-cluster`, owns database `granary`,
TCP from 127.0.0.1), `replicator` (REPLICATION, SCRAM, for the standby). fsync stays on (initdb runs --no-sync).

Behaviour to keep in mind when writing tests on top of this:
- After kill -9 of the primary with no standby promoted, every write fails: the primary refuses connections, the
  standby is read-only ("cannot execute INSERT in a read-only transaction"). No synchronous-commit wait is involved.
- With the primary alive but the synchronous standby dead (or not yet connected), every COMMIT that wrote something
  HANGS on the primary until standby1 streams again: no error, and statement_timeout does not end it. Meanwhile the
  row is invisible to other sessions. If the wait is cancelled (pg_cancel_backend) the commit still succeeds, with
  a WARNING "already committed locally, but might not have been replicated"; the row then stays on the primary.
- synchronous_commit = on means the standby has flushed the WAL, not replayed it: a row just committed on the
  primary can be missing from a read on the standby for a moment.
- synchronous_standby_names is set on the primary after the base backup, so the promoted standby has none and
  commits without waiting. The killed primary is not brought back (that would take pg_rewind). url() lists both
  nodes; libpq clients may add `?target_session_attrs=read-write` to skip a read-only one.
"""
import os
import signal
import shutil
import socket
import subprocess
import tempfile
import time

BIN = "/usr/lib/postgresql/15/bin"
PASSWORD = "granary-cluster"
REPLICATOR_PASSWORD = "replicator-cluster"
HBA = """\
# TYPE  DATABASE     USER        ADDRESS        METHOD
local   all          postgres                   trust
host    all          granary     127.0.0.1/32   scram-sha-256
host    replication  replicator  127.0.0.1/32   scram-sha-256
"""
ENV = {k: v for k, v in os.environ.items() if not k.startswith("PG")}  # no stray PGHOST, PGPASSWORD, ...


def _free_ports(count):
    """Distinct ports the kernel hands out for 127.0.0.1:0 (the sockets are held open together, then closed)."""
    socks = [socket.create_server(("127.0.0.1", 0)) for _ in range(count)]
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def _stat(pid):
    """(state letter, parent pid) of a process from /proc; ("X", 0) when there is none (X: Linux's "dead")."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state, ppid = f.read().rsplit(")", 1)[1].split()[:2]
        return state, int(ppid)
    except (OSError, ValueError):
        return "X", 0


def _alive(pid):
    """True while process pid exists and is not a zombie."""
    return _stat(pid)[0] not in "ZX"


def _wait(what, condition, timeout):
    """Poll condition() every 50 ms until it is true; TimeoutError naming `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def _kill(pid):
    """SIGKILL a postmaster; return once it is gone and its server processes have exited (SIGKILLed after 10 s)."""
    children = [int(n) for n in os.listdir("/proc") if n.isdigit() and _stat(n)[1] == pid]
    os.kill(pid, signal.SIGKILL)
    _wait(f"postmaster {pid} to exit", lambda: not _alive(pid), 10)
    try:
        _wait(f"server processes {children} to exit", lambda: not any(map(_alive, children)), 10)
    except TimeoutError:
        for child in filter(_alive, children):
            os.kill(child, signal.SIGKILL)


class PostgresPair:
    """A primary and a synchronous standby (application_name standby1) under work_dir; see the module docstring."""

    def __init__(self, work_dir):
        self.work_dir = os.path.abspath(work_dir)
        self.sock_dir = os.path.join(self.work_dir, "sock")
        self._ports = {}  # port -> (data directory, log file); filled by start()
        self._primary_port = self._standby_port = None

    @property
    def primary_port(self):
        """TCP port of the node started as primary (it stays this node's port after a failover)."""
        return self._primary_port

    @property
    def standby_port(self):
        """TCP port of the node started as standby."""
        return self._standby_port

    def url(self):
        """libpq URL for role granary listing the primary, then the standby."""
        return (f"postgresql://granary:{PASSWORD}@127.0.0.1:{self._primary_port},"
                f"127.0.0.1:{self._standby_port}/granary")

    def _pg(self, program, *args, timeout=120):
        """Run a PostgreSQL program as the postgres OS user (plainly when not root); its stdout, or RuntimeError."""
        cmd = [os.path.join(BIN, program), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        r = subprocess.run(cmd, cwd=self.work_dir, env=ENV, capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed with status {r.returncode}:\n{r.stdout}{r.stderr}")
        return r.stdout

    def sql(self, port, statement, database="granary", timeout=30):
        """Run statement with psql as superuser over the Unix socket on port; stdout, stripped (-A -t: `a|b` rows)."""
        cmd = [os.path.join(BIN, "psql"), "-XAtq", "-v", "ON_ERROR_STOP=1", "-h", self.sock_dir, "-p", str(port),
               "-U", "postgres", "-d", database, "-c", statement]
        r = subprocess.run(cmd, env=ENV, capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"psql on port {port} failed for {statement!r}:\n{r.stderr}")
        return r.stdout.strip()

    def is_primary(self, port):
        """True when the server on port accepts writes (SELECT pg_is_in_recovery() is false)."""
        return self.sql(port, "SELECT pg_is_in_recovery()") == "f"

    def _pid(self, port):
        """Pid of port's postmaster from postmaster.pid, or None when it does not run (any more)."""
        data = self._ports[port][0]
        try:
            with open(os.path.join(data, "postmaster.pid")) as f:
                pid = int(f.readline())
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                mine = data.encode() in f.read()  # a stale file's pid may belong to another process by now
        except (OSError, ValueError):
            return None
        return pid if mine and _alive(pid) else None

    def _start_node(self, port):
        data, log = self._ports[port]
        self._pg("pg_ctl", "-w", "-t", "60", "-D", data, "-l", log, "-o",
                 f"-c listen_addresses=127.0.0.1 -p {port} -k {self.sock_dir}", "start")

    def start(self):
        """initdb and start the primary, create roles and database, base-backup and start the standby, make it
        synchronous, and return once pg_stat_replication shows standby1 streaming with sync_state 'sync' (30 s).
        On failure everything started so far is stopped again."""
        os.makedirs(self.sock_dir, exist_ok=True)
        if os.geteuid() == 0:
            for d in (self.work_dir, self.sock_dir):
                shutil.chown(d, "postgres", "postgres")
            if subprocess.run(["runuser", "-u", "postgres", "--", "test", "-w", self.work_dir]).returncode != 0:
                raise PermissionError(f"the postgres OS user cannot reach {self.work_dir}: chmod o+x its parents")
        p, s = self._primary_port, self._standby_port = _free_ports(2)
        for port, name in ((p, "primary"), (s, "standby")):
            self._ports[port] = (os.path.join(self.work_dir, name), os.path.join(self.work_dir, name + ".log"))
        primary, standby = self._ports[p][0], self._ports[s][0]
        try:
            self._pg("initdb", "--no-sync", "-U", "postgres", "-A", "trust", "-D", primary)
            with open(os.path.join(primary, "postgresql.conf"), "a") as f:
                f.write("wal_level = replica\nmax_wal_senders = 5\nhot_standby = on\nsynchronous_commit = on\n"
                        "password_encryption = 'scram-sha-256'\n")
            with open(os.path.join(primary, "pg_hba.conf"), "w") as f:
                f.write(HBA)
            self._start_node(p)
            self.sql(p, f"CREATE ROLE granary LOGIN PASSWORD '{PASSWORD}'", database="postgres")
            self.sql(p, f"CREATE ROLE replicator LOGIN REPLICATION PASSWORD '{REPLICATOR_PASSWORD}'", "postgres")
            self.sql(p, "CREATE DATABASE granary OWNER granary", database="postgres")
            # -R writes standby.signal and primary_conninfo (this connection string, password included).
            self._pg("pg_basebackup", "-D", standby, "-R", "-X", "stream", "-c", "fast", "-d",
                     f"host=127.0.0.1 port={p} user=replicator password={REPLICATOR_PASSWORD} "
                     "application_name=standby1")
            self._start_node(s)
            # Only now: with it set earlier, the CREATEs above would have waited for a standby that did not exist.
            self.sql(p, "ALTER SYSTEM SET synchronous_standby_names = 'standby1'")
            self.sql(p, "SELECT pg_reload_conf()")
            query = "SELECT state, sync_state FROM pg_stat_replication WHERE application_name = 'standby1'"
            try:
                _wait("standby1", lambda: self.sql(p, query) == "streaming|sync", 30)
            except TimeoutError:
                with open(self._ports[s][1]) as f:
                    log = "".join(f.readlines()[-15:])
                raise TimeoutError(f"standby1 not streaming synchronously after 30 s; pg_stat_replication says "
                                   f"{self.sql(p, query)!r}; end of standby.log:\n{log}") from None
        except BaseException:
            self.stop()
            raise

    def kill_primary(self):
        """SIGKILL the primary's postmaster (pid from postmaster.pid); return once it and its children are gone."""
        pid = self._pid(self._primary_port)
        if pid is None:
            raise RuntimeError("the primary is not running")
        _kill(pid)

    def promote_standby(self):
        """`pg_ctl promote -w` on the standby; return once SELECT pg_is_in_recovery() is false there."""
        self._pg("pg_ctl", "promote", "-w", "-t", "60", "-D", self._ports[self._standby_port][0])
        _wait("the standby to leave recovery", lambda: self.is_primary(self._standby_port), 30)

    def stop(self):
        """Stop whichever servers still run (pg_ctl stop -m fast, else SIGKILL by pid). Safe to call twice."""
        for port in (self._standby_port, self._primary_port):
            pid = self._pid(port) if port in self._ports else None
            if pid is None:
                continue
            try:
                self._pg("pg_ctl", "stop", "-w", "-t", "30", "-m", "fast", "-D", self._ports[port][0], timeout=60)
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
            if _alive(pid):
                _kill(pid)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _self_test():
    """Write, fail over, write again; see the module docstring. Prints the start and promotion times."""
    def login(url):  # as granary, over TCP with the SCRAM password
        cmd = [os.path.join(BIN, "psql"), "-XAtq", "-c", "SELECT current_user, inet_server_port()", url]
        return subprocess.run(cmd, env=ENV, capture_output=True, text=True, check=True).stdout.strip()

    work = tempfile.mkdtemp(prefix="granary-pg-")
    try:
        with PostgresPair(work) as pair:
            began = time.monotonic()
            pair.start()
            started = time.monotonic() - began
            p, s = pair.primary_port, pair.standby_port
            assert pair.is_primary(p) and not pair.is_primary(s)
            assert pair.sql(p, "SELECT sync_state FROM pg_stat_replication") == "sync"
            pair.sql(p, "CREATE TABLE t (id int PRIMARY KEY, note text)")
            pair.sql(p, "INSERT INTO t VALUES (1, 'before failover')")
            _wait("row 1 on the standby", lambda: pair.sql(s, "SELECT note FROM t") == "before failover", 10)
            assert login(pair.url()) == f"granary|{p}"

            pair.kill_primary()
            for port, error in ((p, "connection to server"), (s, "read-only transaction")):
                try:
                    pair.sql(port, "INSERT INTO t VALUES (3, 'nowhere')")
                    raise AssertionError(f"write on port {port} succeeded with the primary killed")
                except RuntimeError as e:
                    assert error in str(e), e
            began = time.monotonic()
            pair.promote_standby()
            promoted = time.monotonic() - began
            pair.sql(s, "INSERT INTO t VALUES (2, 'after failover')")
            assert pair.sql(s, "SELECT id FROM t ORDER BY id") == "1\n2"
            assert login(pair.url() + "?target_session_attrs=read-write") == f"granary|{s}"
            pair.stop()
            pair.stop()
        left = subprocess.run(["pgrep", "-af", work], capture_output=True, text=True).stdout
        assert not left, f"processes left for {work}:\n{left}"
        print(f"ok: start {started:.2f} s, promote {promoted:.2f} s, nothing left running for {work}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    _self_test()
