"""Two-step log-in for the scripts: the demo's published authenticator secrets and RFC 6238 codes (HMAC-SHA-1,
30-second steps, six digits), as an authenticator app makes them. Standard library only.

Each code logs in once: the server keeps the step of the last code used and refuses that step and earlier ones. So
`log_in` never sends a step it used before, takes the next step's code (the server accepts one step either side),
and only when both are used waits for the clock to move on.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from typing import Callable

# DemoLibrary.logins: the three administrators and the reviewer must log in with two steps.
DEMO_SECRETS = {
    "admin": "GRANARYDEMOTOTPADMIN234567ABCDEF",
    "wang.shenhe": "GRANARYDEMOTOTPREVIEWER234567ABC",
    "anquan": "GRANARYDEMOTOTPSECURITY234567ABC",
    "shenji": "GRANARYDEMOTOTPAUDITOR234567ABCD",
}
STEP = 30

_last_used: dict[str, int] = {}


def code(secret: str, counter: int) -> str:
    key = base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def log_in(username: str, attempt: Callable[[str | None], tuple[int, object]]) -> object:
    """Calls `attempt(totp)` (None for an account without two-step log-in) until it answers 201; returns its body.
    Raises RuntimeError with the last answer otherwise."""
    secret = DEMO_SECRETS.get(username)
    if secret is None:
        status, body = attempt(None)
        if status != 201:
            raise RuntimeError(f"log-in of {username} failed: {status} {body}")
        return body
    status, body = 0, None
    for _ in range(4):
        now = int(time.time()) // STEP
        last = _last_used.get(username, now - 2)
        candidates = [step for step in (now, now + 1) if step > last]
        if not candidates:
            time.sleep(STEP - time.time() % STEP + 0.2)
            continue
        step = candidates[0]
        _last_used[username] = step
        status, body = attempt(code(secret, step))
        if status == 201:
            return body
        if not (isinstance(body, dict) and body.get("code") == "totp_invalid"):
            break
        # Another process used this step: take the next.
    raise RuntimeError(f"log-in of {username} failed: {status} {body}")
