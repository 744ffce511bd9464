"""Users, roles, signed session cookies, API tokens and CSRF protection.

A console user signs in with a form and gets an HttpOnly session cookie (HMAC-signed, no server
state). Every state-changing request made with that cookie must carry the session's CSRF token
(``X-CSRF-Token`` header or ``csrf_token`` form field). API clients (the voice browser) send
``Authorization: Bearer <token>`` instead: no cookie, so no CSRF token needed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from aiohttp import web

COOKIE = "aq_session"
SESSION_SECONDS = 12 * 3600
RANK = {"agent": 1, "supervisor": 2, "admin": 3}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def hash_password(password: str, iterations: int = 60_000) -> str:
    salt = secrets.token_hex(8)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations).hex()
    return f"pbkdf2_sha256${iterations}${salt}${digest}"


def check_password(password: str, stored: str) -> bool:
    try:
        algo, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if algo != "pbkdf2_sha256":
        return False
    got = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), int(iterations)).hex()
    return hmac.compare_digest(got, digest)


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: str
    nonce: str = ""  # session nonce; empty for token clients
    via: str = "cookie"  # or "token"

    def at_least(self, role: str) -> bool:
        return RANK.get(self.role, 0) >= RANK[role]


class Sessions:
    def __init__(self, secret: str) -> None:
        self.key = secret.encode()

    def _sign(self, payload: bytes) -> str:
        return hmac.new(self.key, payload, hashlib.sha256).hexdigest()

    def issue(self, name: str, role: str) -> str:
        body = json.dumps({"u": name, "r": role, "n": secrets.token_hex(8),
                           "exp": int(time.time()) + SESSION_SECONDS}).encode()
        payload = base64.urlsafe_b64encode(body).decode()
        return f"{payload}.{self._sign(payload.encode())}"

    def read(self, cookie: str | None) -> Principal | None:
        if not cookie or "." not in cookie:
            return None
        payload, sig = cookie.rsplit(".", 1)
        if not hmac.compare_digest(sig, self._sign(payload.encode())):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload))
        except ValueError:
            return None
        if data.get("exp", 0) < time.time():
            return None
        return Principal(data["u"], data["r"], data["n"])

    def csrf(self, principal: Principal) -> str:
        return self._sign(f"csrf:{principal.name}:{principal.nonce}".encode())[:40]


def forbidden(message: str) -> web.HTTPForbidden:
    return web.HTTPForbidden(text=json.dumps({"error": message}), content_type="application/json")


def unauthorized(message: str = "sign in first") -> web.HTTPUnauthorized:
    return web.HTTPUnauthorized(text=json.dumps({"error": message}), content_type="application/json")
