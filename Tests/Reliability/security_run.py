#!/usr/bin/env python3
"""Security run (issue 18): what a tester of a 等保三级 assessment tries against the log-in and the pages, on a real
`granary serve --demo` over loopback. Standard library only; one line per check; exit 1 when any check fails.

1. Brute force: five wrong passwords lock the account (429 with Retry-After and a Chinese problem), the right
   password stays refused while it is locked, from the pages too; the security administrator unlocks it; the auditor
   finds the failures, the lock-out and the unlock in the audit trail with their address and outcome.
2. TOTP replay: a code that opened a session is refused the second time (401 totp_invalid), on the API and the form.
3. Session fixation: a session cookie chosen before log-in (an attacker's) is neither accepted nor kept: the log-in
   sets a new random one, and the chosen one stays anonymous.
4. CSRF: with a live session cookie, an unsafe request without the session's token (a form post another site makes
   the browser send, or a script's fetch without X-CSRF-Token) is refused with 403 csrf_failed and changes nothing;
   the log-in form without its double-submit token likewise.
5. Separation of duties: the security and audit administrators get 403 outside their duty, the system administrator
   gets 403 on the audit trail and on role changes.
6. HTTPS: `granary serve --tls-cert --tls-key` with a throwaway certificate answers curl over HTTP/2 and HTTP/1.1,
   with HSTS on every answer and every cookie Secure, and nothing in clear; personal information a learner saves over
   it is sealed in the database file (no digit of the phone number in it).

    python3 Tests/Reliability/security_run.py --binary .build/debug/granary
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import two_factor  # noqa: E402
from crash_rounds import free_port, stop_process  # noqa: E402
from schemathesis_run import Server  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "granary-demo"


class Browser:
    """A client that keeps cookies like a browser (name=value only) and does not follow redirects."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, dict, str]:
        headers = dict(headers or {})
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    cookie = value.split(";", 1)[0]
                    key, _, val = cookie.partition("=")
                    if val:
                        self.cookies[key.strip()] = val
                    else:
                        self.cookies.pop(key.strip(), None)
            return response.status, {k.lower(): v for k, v in response.getheaders()}, text
        finally:
            connection.close()

    def form_token(self, path: str = "/login") -> str:
        status, _, html = self.request("GET", path)
        match = re.search(r'name="_csrf" value="([^"]+)"', html)
        if status != 200 or not match:
            raise RuntimeError(f"GET {path}: {status}, no form token")
        return match.group(1)


def api(port: int, method: str, path: str, value=None, token: str | None = None, headers: dict | None = None):
    headers = dict(headers or {})
    body = None
    if value is not None:
        body = json.dumps(value).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = "Bearer " + token
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, "/api/v1" + path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        try:
            parsed = json.loads(data) if data else None
        except ValueError:
            parsed = data.decode("utf-8", "replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, parsed
    finally:
        connection.close()


def log_in(port: int, username: str) -> str:
    def attempt(totp):
        status, _, body = api(port, "POST", "/sessions", {"username": username, "password": PASSWORD} | ({"totp": totp} if totp else {}))
        return status, body
    return two_factor.log_in(username, attempt)["token"]


class Checks:
    def __init__(self):
        self.failures: list[str] = []

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            self.failures.append(what)
            print(f"   FAILED: {what}", flush=True)


def brute_force(port: int, checks: Checks) -> None:
    victim = "li.laoshi"
    statuses = [api(port, "POST", "/sessions", {"username": victim, "password": f"guess-{i}"})[0] for i in range(5)]
    checks.expect(statuses == [401] * 5, f"five wrong passwords answer 401 each: {statuses}")
    status, headers, body = api(port, "POST", "/sessions", {"username": victim, "password": PASSWORD})
    checks.expect(status == 429 and "retry-after" in headers, f"the right password while locked: 429 with Retry-After ({status})")
    checks.expect(isinstance(body, dict) and "锁定" in body.get("detail", ""), f"the lock-out problem says 锁定 in Chinese: {body}")
    page = Browser(port)
    token = page.form_token()
    status, _, html = page.request("POST", "/login", form={"_csrf": token, "next": "/", "username": victim, "password": PASSWORD})
    checks.expect(status == 429 and "锁定" in html, f"the log-in form is locked too ({status})")
    security = log_in(port, "anquan")
    status, _, _ = api(port, "POST", f"/users/{victim}/unlock", token=security)
    checks.expect(status == 204, f"the security administrator unlocks the account ({status})")
    status, _, _ = api(port, "POST", "/sessions", {"username": victim, "password": PASSWORD})
    checks.expect(status == 201, f"after the unlock the right password logs in ({status})")
    auditor = log_in(port, "shenji")
    status, _, trail = api(port, "GET", f"/audit?itemId={victim}&pageSize=100", token=auditor)
    actions = [e["action"] for e in trail["items"]] if status == 200 else []
    # Five wrong passwords, then the right one refused while locked on the API and on the form.
    checks.expect(actions.count("session.failed") == 7 and "user.locked" in actions and "user.unlocked" in actions,
                  f"the auditor sees 7 failed attempts, the lock-out and the unlock: {actions}")
    checks.expect(all(e.get("address") == "127.0.0.1" and e.get("outcome") for e in trail["items"] if e["action"] != "user.created"),
                  "every log-in event of the account has its address and outcome")
    print(f"1. brute force: 5 failures lock {victim} (429, Retry-After {headers.get('retry-after')} s, form too); "
          f"unlocked by the security administrator; the audit trail holds {len(actions)} events of it", flush=True)


def totp_replay(port: int, checks: Checks) -> None:
    username, secret = "wang.shenhe", two_factor.DEMO_SECRETS["wang.shenhe"]
    token = log_in(port, username)  # moves two_factor's record of used steps on
    used = two_factor._last_used[username]
    code = two_factor.code(secret, used)
    status, _, body = api(port, "POST", "/sessions", {"username": username, "password": PASSWORD, "totp": code})
    checks.expect(status == 401 and isinstance(body, dict) and body.get("code") == "totp_invalid",
                  f"a code used once is refused again on the API ({status} {body})")
    page = Browser(port)
    form = page.form_token()
    status, _, html = page.request("POST", "/login", form={"_csrf": form, "next": "/", "username": username, "password": PASSWORD, "totp": code})
    checks.expect(status == 401 and "granary_session" not in page.cookies, f"and on the log-in form ({status})")
    checks.expect(api(port, "GET", "/me", token=token)[0] == 200, "the session the code opened still works")
    print("2. TOTP replay: a used code is refused on the API (401 totp_invalid) and on the form", flush=True)


def session_fixation(port: int, checks: Checks) -> None:
    page = Browser(port)
    chosen = "attacker-chosen-session-value-0123456789abcdef"
    page.cookies["granary_session"] = chosen
    status, headers, _ = page.request("GET", "/me")
    checks.expect(status in (302, 303) and "/login" in headers.get("location", ""), f"a chosen session cookie is anonymous ({status})")
    form = page.form_token()
    page.cookies["granary_session"] = chosen
    status, _, _ = page.request("POST", "/login", form={"_csrf": form, "next": "/me", "username": "xuesheng", "password": PASSWORD})
    issued = page.cookies.get("granary_session")
    checks.expect(status in (302, 303) and issued not in (None, chosen) and len(issued or "") >= 40,
                  f"the log-in sets a new random session cookie ({status}, {issued!r})")
    attacker = Browser(port)
    attacker.cookies["granary_session"] = chosen
    status, _, _ = attacker.request("GET", "/me")
    checks.expect(status in (302, 303), f"the chosen value still opens nothing after the victim's log-in ({status})")
    status, _, _ = page.request("GET", "/me")
    checks.expect(status == 200, f"the victim's own new session works ({status})")
    print("3. session fixation: a cookie chosen before log-in is ignored; the log-in issues a new 256-bit one", flush=True)


def csrf(port: int, checks: Checks) -> None:
    page = Browser(port)
    form = page.form_token()
    status, _, _ = page.request("POST", "/login", form={"next": "/", "username": "zhang.laoshi", "password": PASSWORD})
    checks.expect(status == 403, f"a log-in post without the form's double-submit token is refused ({status})")
    page.request("POST", "/login", form={"_csrf": form, "next": "/", "username": "zhang.laoshi", "password": PASSWORD})
    checks.expect("granary_session" in page.cookies, "the teacher logged in through the form")
    # A form another site makes the browser post: the cookie goes along, the session's token does not.
    status, _, html = page.request("POST", "/account/totp", form={})
    checks.expect(status == 403 and "CSRF" in html, f"a page post without the session's token: 403 ({status})")
    status, _, body = page.request("POST", "/api/v1/resources/00000000-0000-4000-8000-000000000000/ratings",
                                   body=b'{"stars":5}', headers={"Content-Type": "application/json"})
    checks.expect(status == 403 and "csrf_failed" in body, f"a cookie-authenticated API write without X-CSRF-Token: 403 ({status})")
    status, _, _ = page.request("DELETE", "/api/v1/sessions")
    checks.expect(status == 403, f"even log-out needs the token when the cookie authenticates ({status})")
    status, _, _ = page.request("GET", "/me")
    checks.expect(status == 200, f"the session survived every refused request ({status})")
    print("4. CSRF: page posts and cookie-authenticated API calls without the session's token are refused with 403", flush=True)


def duties(port: int, checks: Checks) -> None:
    security, auditor, admin = log_in(port, "anquan"), log_in(port, "shenji"), log_in(port, "admin")
    for name, token in (("security", security), ("auditor", auditor)):
        for path in ("/resources", "/search?q=焊接", "/majors", "/report", "/institutions"):
            status = api(port, "GET", urllib.parse.quote(path, safe="/?=&"), token=token)[0]
            checks.expect(status == 403, f"{name} GET {path}: 403 ({status})")
    checks.expect(api(port, "GET", "/audit", token=admin)[0] == 403, "the system administrator cannot read the audit trail")
    checks.expect(api(port, "PATCH", "/users/zhang.laoshi", {"role": "reviewer"}, token=admin)[0] == 403,
                  "the system administrator cannot change roles")
    checks.expect(api(port, "PATCH", "/users/zhang.laoshi", {"role": "admin"}, token=security)[0] == 403,
                  "the security administrator cannot give an administrator's role")
    checks.expect(api(port, "GET", "/audit", token=auditor)[0] == 200, "the auditor reads the audit trail")
    print("5. separation of duties: security and auditor refused outside their duty; admin refused the audit trail and roles",
          flush=True)


def curl(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "-s", "--max-time", "20", *arguments], capture_output=True, text=True, timeout=60)


def https(binary: str, metadata: str, log_path: str, checks: Checks) -> None:
    work = tempfile.mkdtemp(prefix="granary-tls-")
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    port = free_port()
    data = os.path.join(work, "data")
    with open(log_path, "ab") as log:
        process = subprocess.Popen([binary, "serve", "--demo", "--data", data, "--metadata", metadata, "--port", str(port),
                                    "--bcrypt-cost", "4", "--tls-cert", cert, "--tls-key", key], stdout=log, stderr=log)
    base = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while curl("-k", "-o", "/dev/null", "-w", "%{http_code}", base + "/api/v1/health").stdout != "200":
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"granary serve over HTTPS did not start; see {log_path}")
            time.sleep(0.2)
        version = curl("-k", "--http2", "-o", "/dev/null", "-w", "%{http_version}", base + "/api/v1/health").stdout
        checks.expect(version == "2", f"HTTP/2 when the client offers it ({version})")
        head = curl("-k", "--http1.1", "-D", "-", "-o", "/dev/null", base + "/login").stdout.lower()
        checks.expect("strict-transport-security: max-age=31536000" in head, "HSTS on the log-in page")
        cookies = [line for line in head.splitlines() if line.startswith("set-cookie:")]
        checks.expect(bool(cookies) and all("; secure" in line for line in cookies), f"every cookie Secure ({cookies})")
        plain = curl("-o", "/dev/null", "-w", "%{http_code}", f"http://127.0.0.1:{port}/api/v1/health").stdout
        checks.expect(plain in ("000", "400"), f"nothing answered in clear ({plain})")
        # A learner saves a phone number over HTTPS; the database file holds it sealed.
        answer = curl("-k", "--http2", "-H", "Content-Type: application/json", "-d",
                      json.dumps({"username": "xuesheng", "password": PASSWORD}), base + "/api/v1/sessions").stdout
        token = json.loads(answer).get("token", "")
        saved = curl("-k", "--http2", "-X", "PUT", "-o", "/dev/null", "-w", "%{http_code}", "-H", f"Authorization: Bearer {token}",
                     "-H", "Content-Type: application/json", "-d", json.dumps({"realName": "薛同学", "phone": "13812345678"}),
                     base + "/api/v1/me/personal").stdout
        checks.expect(saved == "200", f"personal information saved over HTTP/2 ({saved})")
        with sqlite3.connect(os.path.join(data, "granary.sqlite")) as database:
            sealed = database.execute("SELECT personal FROM users WHERE username = 'xuesheng'").fetchone()[0] or ""
        checks.expect(sealed.startswith("v1:") and "13812345678" not in sealed, "personal information sealed at rest")
        with open(os.path.join(data, "granary.sqlite"), "rb") as file:
            checks.expect(b"13812345678" not in file.read(), "no phone number anywhere in the database file")
    finally:
        stop_process(process)
        shutil.rmtree(work, ignore_errors=True)
    print("6. HTTPS: HTTP/2 by ALPN, HSTS, Secure cookies, nothing in clear; personal information sealed in the database",
          flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "debug", "granary"))
    parser.add_argument("--metadata", default=os.path.join(ROOT, "Metadata"))
    args = parser.parse_args()
    log = os.path.join(tempfile.gettempdir(), "granary-security-run.log")
    server = Server(os.path.abspath(args.binary), os.path.abspath(args.metadata), log)
    checks = Checks()
    try:
        server.start()
        for run in (brute_force, totp_replay, session_fixation, csrf, duties):
            run(server.port, checks)
    finally:
        server.stop()
    https(os.path.abspath(args.binary), os.path.abspath(args.metadata), log, checks)
    print("security run " + ("passed" if not checks.failures else f"FAILED ({len(checks.failures)} checks; server log {log})"), flush=True)
    return 1 if checks.failures else 0


if __name__ == "__main__":
    sys.exit(main())
