"""A small, bounded HTTP load generator for 127.0.0.1 only.

One `http.client.HTTPConnection` per client thread, the same code for our app and its
twins, so the client's own overhead cancels out of the ratios. Every phase stops by itself
after a fixed time or a fixed number of requests, whichever comes first.

Gunicorn's sync workers answer with `Connection: close`; http.client then reopens the
socket for the next request by itself. A connection dropped under us is reopened and the
request retried once before it counts as an error.
"""

from __future__ import annotations

import http.client
import itertools
import random
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

HOST = "127.0.0.1"  # never anything else: this tool must not load another machine
TIMEOUT = 10.0
SHORT_ITEMS = ["TC2", "TT1", "TT4", "CC1", "CC3", "KQ1", "PA1"]
_CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
_RETRYABLE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
              http.client.BadStatusLine)


class BenchError(RuntimeError):
    """The target did not behave as the benchmark needs (not a slow answer: a wrong one)."""


class Client:
    """One keep-alive-capable connection plus the session cookie a browser would keep."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT)
        self.cookie: str | None = None

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, bytes]:
        headers = {"Accept": "text/html"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        if content_type:
            headers["Content-Type"] = content_type
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
            except _RETRYABLE:
                self.conn.close()
                if attempt == 2:
                    raise
                continue
            for value in resp.msg.get_all("Set-Cookie") or []:
                self.cookie = value.split(";", 1)[0]
            return resp.status, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


# --- what one simulated citizen does ---------------------------------------------------

Action = Callable[[Client], int]


def page_action(path: str) -> Callable[[Client], Action]:
    """GET a page (the survey, the petition form); 200 is success."""

    def prepare(_client: Client) -> Action:
        def act(client: Client) -> int:
            return client.request("GET", path)[0]

        return act

    return prepare


def fetch_csrf(client: Client, path: str) -> str:
    """GET the form once, as a phone does after the QR scan: session cookie + CSRF token."""
    status, body = client.request("GET", path)
    match = _CSRF_RE.search(body.decode("utf-8", "replace"))
    if status != 200 or match is None or client.cookie is None:
        raise BenchError(f"GET {path} gave {status} without a CSRF token and session cookie")
    return match.group(1)


def submit_body(csrf_token: str) -> bytes:
    """A complete short-form answer with a fresh submission id (never a replay)."""
    form = {"csrf_token": csrf_token, "submission_id": secrets.token_hex(16)}
    for item in SHORT_ITEMS:
        form[f"q_{item}"] = random.choice("45")
    form["q_HARASS"] = "0"
    form["q_INFORMAL"] = "0"
    return urlencode(form).encode()


FORM = "application/x-www-form-urlencoded"
Body = Callable[[str], tuple[bytes, str]]
"""A form body for a CSRF token: (bytes, content type)."""


def survey_body(csrf_token: str) -> tuple[bytes, str]:
    return submit_body(csrf_token), FORM


# What citizens write on the petition form: name, address, phone, content; no email (no
# mail is queued), no attachment.
PETITION_TEXTS = [
    "Hồ sơ đăng ký khai sinh của con tôi đã quá hẹn 5 ngày mà chưa có kết quả, "
    "đề nghị xã kiểm tra và trả lời.",
    "Cán bộ yêu cầu bổ sung giấy tờ nhiều lần, mỗi lần một loại khác nhau. Đề nghị "
    "hướng dẫn đầy đủ một lần.",
    "Phòng chờ thiếu ghế, người già phải đứng chờ lâu, đề nghị bố trí thêm.",
]
FILE_INPUTS = 3  # the form's three file inputs, sent empty as a browser sends them


def petition_body(csrf_token: str) -> tuple[bytes, str]:
    """A petition as a browser posts the form (multipart/form-data, its three file inputs
    left empty), with a fresh submission id: a new petition each time, never a replay."""
    fields = {
        "csrf_token": csrf_token, "submission_id": secrets.token_hex(16),
        "sender_name": "Nguyễn Văn An", "sender_address": "Thôn 3, xã Hoằng Ngọc",
        "sender_phone": f"09{random.randrange(10**8):08d}", "sender_email": "",
        "content": random.choice(PETITION_TEXTS), "category": random.choice(["", "1", "6"]),
        "procedure": "", "dossier_code": "", "website": "",
    }
    boundary = "----bench" + secrets.token_hex(8)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
             f"{value}\r\n" for name, value in fields.items()]
    parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
              f'filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n'
              for _ in range(FILE_INPUTS)]
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode(), f"multipart/form-data; boundary={boundary}"


def submit_action(path: str, body: Body = survey_body) -> Callable[[Client], Action]:
    """POST the form; a 303 redirect (not followed) is success, as a browser would see."""

    def prepare(client: Client) -> Action:
        token = fetch_csrf(client, path)

        def act(c: Client) -> int:
            data, content_type = body(token)
            return c.request("POST", path, data, content_type)[0]

        return act

    return prepare


# --- one phase -------------------------------------------------------------------------

@dataclass
class PhaseResult:
    name: str
    ok: int = 0
    errors: int = 0
    elapsed: float = 0.0
    client_cpu: float = 0.0  # share of one core this process used: the client's own cost
    latencies: list[float] = field(default_factory=list)
    error_kinds: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return self.ok + self.errors

    @property
    def rps(self) -> float:
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def error_rate(self) -> float:
        return self.errors / self.total if self.total else 1.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile in milliseconds."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
        return ordered[rank] * 1000


@dataclass
class _Clock:
    start: float = 0.0  # measurement starts (after warm-up)
    deadline: float = 0.0


def run_phase(name: str, port: int, prepare: Callable[[Client], Action], *, clients: int,
              seconds: float, warmup: float, max_requests: int, ok_status: int) -> PhaseResult:
    """Run `clients` threads for warm-up + `seconds`, or until `max_requests` measured
    requests, whichever is first. Only requests started after the warm-up are counted."""
    clock = _Clock()

    def start_clock() -> None:
        now = time.perf_counter()
        clock.start = now + warmup
        clock.deadline = clock.start + seconds

    barrier = threading.Barrier(clients, action=start_clock)
    tickets = itertools.count()
    lock = threading.Lock()
    result = PhaseResult(name)
    failures: list[BaseException] = []
    last_end = [0.0]

    def worker() -> None:
        client = Client(port)
        lat: list[float] = []
        ok = errors = 0
        kinds: Counter[str] = Counter()
        end = 0.0
        try:
            try:
                act = prepare(client)
            except BaseException:
                barrier.abort()  # release the others at once: this phase cannot run
                raise
            barrier.wait(timeout=60)
            while True:
                begin = time.perf_counter()
                if begin >= clock.deadline:
                    break
                measured = begin >= clock.start
                if measured and next(tickets) >= max_requests:
                    break
                try:
                    status = act(client)
                    kind = None if status == ok_status else f"HTTP {status}"
                except (OSError, http.client.HTTPException) as exc:
                    client.close()
                    kind = type(exc).__name__
                end = time.perf_counter()
                if not measured:
                    continue
                if kind is None:
                    ok += 1
                    lat.append(end - begin)
                else:
                    errors += 1
                    kinds[kind] += 1
        except BaseException as exc:  # reported by the caller, not swallowed
            failures.append(exc)
            barrier.abort()
        finally:
            client.close()
            with lock:
                result.ok += ok
                result.errors += errors
                result.latencies.extend(lat)
                result.error_kinds.update(kinds)
                last_end[0] = max(last_end[0], end)

    cpu0, wall0 = time.process_time(), time.perf_counter()
    threads = [threading.Thread(target=worker, name=f"{name}-{i}", daemon=True)
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=warmup + seconds + 2 * TIMEOUT + 60)
    if any(t.is_alive() for t in threads):
        raise BenchError(f"{name}: clients did not stop in time")
    if failures:
        real = [f for f in failures if not isinstance(f, threading.BrokenBarrierError)]
        raise (real or failures)[0]
    result.elapsed = max(0.0, last_end[0] - clock.start)
    result.client_cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    return result
