#!/usr/bin/env python3
"""Full disk: granary serve with its data folder on a small tmpfs. An upload that does not fit gets 507 with a problem
body, leaves no partial file and changes nothing already stored; once space returns, the same upload succeeds.

    python3 Tests/Reliability/full_disk.py --binary .build/debug/granary

Needs root (it mounts a tmpfs); without it, prints SKIPPED and exits 0. Standard library only.
"""
import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from crash_rounds import Client, Server, log_in, multipart  # noqa: E402


def upload(client: Client, size: int, title: str) -> tuple[int, dict | None, str]:
    content = (title.encode() + b"\n") * (size // (len(title.encode()) + 1) + 1)
    content = content[:size]
    metadata = {"title": title, "major": "460110", "course": "weld-methods", "knowledgePoints": ["arc"], "original": True}
    body, kind = multipart(metadata, content)
    status, parsed = client.call("POST", "/resources", body, kind)
    return status, parsed, hashlib.sha256(content).hexdigest()


def free_bytes(path: str) -> int:
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=".build/debug/granary")
    parser.add_argument("--metadata", default="Metadata")
    parser.add_argument("--size-mb", type=int, default=48, help="size of the tmpfs")
    args = parser.parse_args()

    mount = tempfile.mkdtemp(prefix="granary-full-")
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={args.size_mb}m", "tmpfs", mount]).returncode != 0:
        print("SKIPPED full-disk test: mounting a tmpfs needs root")
        os.rmdir(mount)
        return 0
    server = Server(os.path.abspath(args.binary), os.path.abspath(args.metadata), os.path.join(mount, "data"))
    failures: list[str] = []

    def expect(condition: bool, message: str) -> None:
        if not condition:
            failures.append(message)
            print("   FAILED: " + message, file=sys.stderr)

    try:
        server.start(demo=True)
        teacher = Client(server.port, log_in(server.port, "zhang.laoshi"))
        admin = Client(server.port, log_in(server.port, "admin"))
        status, before, sha = upload(teacher, 4 << 20, "满盘测试：放得下的 4 MB")
        expect(status == 201, f"a 4 MB upload with room to spare is stored (got {status})")
        kept = before["id"] if before else None
        count = admin.call("GET", "/resources?pageSize=1")[1]["total"]

        # Leave about 2 MB free, then send 8 MB.
        filler = os.path.join(mount, "filler")
        with open(filler, "wb") as handle:
            handle.write(b"\0" * max(0, free_bytes(mount) - (2 << 20)))
        started = time.monotonic()
        status, problem, _ = upload(teacher, 8 << 20, "满盘测试：放不下的 8 MB")
        print(f"8 MB upload with {free_bytes(mount) >> 10} KiB free: {status} in {time.monotonic() - started:.2f} s, {problem}")
        expect(status == 507, f"an upload that does not fit gets 507 (got {status})")
        expect(bool(problem) and problem.get("code") == "insufficient_storage", f"its problem body says insufficient_storage ({problem})")
        expect(bool(problem) and "存储空间不足" in problem.get("title", ""), "and says so in Chinese")
        expect(bool(problem) and "未保存" in problem.get("detail", ""), "and tells the person nothing was saved")
        expect(os.listdir(os.path.join(server.data, "tmp")) == [], "no partial upload is left in tmp/")
        expect(admin.call("GET", "/resources?pageSize=1")[1]["total"] == count, "no resource row was added")
        if kept:
            status, _ = admin.call("GET", f"/resources/{kept}")
            expect(status == 200, "the resource stored before is still there")
        health = admin.call("GET", "/health")
        expect(health[0] == 200, f"the service still answers /health ({health})")

        # Space returns: the same upload succeeds, and the library verifies clean.
        os.remove(filler)
        status, after, sha = upload(teacher, 8 << 20, "满盘测试：腾出空间后的 8 MB")
        expect(status == 201, f"the upload succeeds once space returns (got {status})")
        expect(bool(after) and after.get("sha256") == sha, "with the bytes sent")
        verify = subprocess.run([server.binary, "verify", "--data", server.data, "--metadata", server.metadata], capture_output=True, text=True)
        print(verify.stdout.strip())
        expect(verify.returncode == 0, "granary verify is clean afterwards")
    finally:
        server.stop()
        subprocess.run(["umount", mount])
        os.rmdir(mount)
    print("full-disk test " + ("passed" if not failures else f"FAILED ({len(failures)})"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
