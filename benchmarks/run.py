"""`make bench`: our survey page and submission, and the petition form and its submission,
against minimal Flask twins, under gunicorn.

Why twins: absolute numbers on this machine drift from run to run, but the ratio of our
app to the least Flask can do on the same machine, measured in interleaved rounds, is
stable enough to hold a target. Everything runs on 127.0.0.1 in a temporary directory,
each phase stops after a fixed time or request count, and the servers are always stopped.

Exit status: 0 when the benchmark ran (a missed target prints MISSED but is not a
failure), 2 when a server or the setup failed, 3 when more than 1% of requests failed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import load

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent  # the venv's bin: gunicorn and the feedback command
TWINS = HERE / "twins"
RESULTS = HERE / "results"  # git-ignored

PAGE_RATIO_TARGET = 0.5
SUBMIT_RATIO_TARGET = 0.6
P99_TARGET_MS = 100.0
MAX_ERROR_RATE = 0.01
# (kind, what it measures, ratio target): each kind is run as "ours-<kind>", "twin-<kind>".
KINDS = (
    ("page", "survey page GET /q/<token>", PAGE_RATIO_TARGET),
    ("submit", "survey POST /q/<token>", SUBMIT_RATIO_TARGET),
    ("pakn-page", "petition form GET /q/<token>/pakn", PAGE_RATIO_TARGET),
    ("pakn-post", "petition POST /q/<token>/pakn", SUBMIT_RATIO_TARGET),
)
PHASES = tuple(f"{side}-{kind}" for kind, _, _ in KINDS for side in ("ours", "twin"))

EXIT_SETUP = 2
EXIT_ERRORS = 3


class SetupError(RuntimeError):
    """A server or a setup command failed: the numbers would mean nothing."""


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes]

    def log_tail(self, lines: int = 20) -> str:
        self.log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def free_port() -> int:
    """A port the kernel just gave out on 127.0.0.1; gunicorn binds it a moment later."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((load.HOST, 0))
        return int(s.getsockname()[1])


def run_cmd(args: list[str], env: dict[str, str]) -> str:
    """Run a setup command; its output only matters when it fails."""
    proc = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    if proc.returncode != 0:
        raise SetupError(f"{' '.join(args)} failed ({proc.returncode}):\n"
                         f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return proc.stdout


def start_gunicorn(name: str, spec: str, port: int, env: dict[str, str], tmp: Path,
                   workers: int, pythonpath: Path | None = None) -> Server:
    """Sync workers, one per core, on 127.0.0.1 only; output goes to a log we show on failure."""
    args = [str(BIN / "gunicorn"), "--workers", str(workers), "--worker-class", "sync",
            "--bind", f"{load.HOST}:{port}", "--log-level", "warning",
            "--timeout", "30", "--graceful-timeout", "5", "--worker-tmp-dir", str(tmp)]
    if pythonpath is not None:
        args += ["--pythonpath", str(pythonpath)]
    args.append(spec)
    log_path = tmp / f"{name}.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    return Server(name, port, proc, log_path, log)


def wait_ready(server: Server, timeout: float = 30.0) -> None:
    """Ready when it answers HTTP at all; a dead process or silence is a setup failure."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            raise SetupError(f"{server.name} exited with {server.proc.returncode}:\n"
                             f"{server.log_tail()}")
        conn = http.client.HTTPConnection(load.HOST, server.port, timeout=2)
        try:
            conn.request("GET", "/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()
    raise SetupError(f"{server.name} did not answer on port {server.port} within "
                     f"{timeout:.0f} s:\n{server.log_tail()}")


def stop(server: Server) -> None:
    """SIGTERM (graceful, workers are idle by now), then SIGKILL if it lingers."""
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=10)
    server.log.close()


def setup_ours(tmp: Path, port: int) -> tuple[dict[str, str], str]:
    """Migrate, load the demo data and pick the first short-form counter of Hoằng Ngọc.
    The rate limiter stays on with limits no load here can reach, so its cost is measured."""
    env = dict(os.environ)
    env.update(
        FEEDBACK_ENV="development",
        FEEDBACK_SECRET_KEY="bench-secret",
        FEEDBACK_DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}",
        FEEDBACK_BASE_URL=f"http://{load.HOST}:{port}",
        FEEDBACK_RATELIMIT_SUBMIT_PER_CLIENT="1000000 per minute",
        FEEDBACK_RATELIMIT_SUBMIT_PER_COUNTER="1000000 per minute",
        FEEDBACK_RATELIMIT_PETITION_PER_CLIENT="1000000 per minute",
        FEEDBACK_ATTACHMENT_DIR=str(tmp / "attachments"),
    )
    env.pop("FEEDBACK_REDIS_URL", None)  # in-memory limiter, as on a single small host
    feedback = str(BIN / "feedback")
    run_cmd([feedback, "db", "upgrade"], env)
    run_cmd([feedback, "demo"], env)
    counters = json.loads(run_cmd([feedback, "counters", "list", "--unit", "hoang-ngoc",
                                   "--json"], env))
    short = [c for c in counters if c["questionnaire"] == "short" and c["active"]]
    if not short:
        raise SetupError("the demo data has no active short-form counter for hoang-ngoc")
    return env, urlsplit(short[0]["url"]).path


def setup_twin_submit(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(TWIN_SECRET_KEY="bench-secret",
               TWIN_DATABASE_URL=f"sqlite:///{tmp / 'twin.sqlite3'}")
    run_cmd([sys.executable, str(TWINS / "submit_app.py")], env)
    return env


def preflight(pages: dict[str, Server], submits: dict[str, Server], path: str,
              body: load.Body = load.survey_body) -> None:
    """One page and one submission per server before timing, so a broken setup fails
    loudly with the server's answer instead of as a wall of errors."""
    for server in pages.values():
        status, page = load.Client(server.port).request("GET", path)
        if status != 200:
            raise SetupError(f"{server.name}: GET {path} gave {status}: {page[:300]!r}")
    for server in submits.values():
        client = load.Client(server.port)
        token = load.fetch_csrf(client, path)
        data, content_type = body(token)
        status, page = client.request("POST", path, data, content_type)
        if status != 303:
            raise SetupError(f"{server.name}: POST {path} gave {status}, not 303: "
                             f"{page[:300]!r}\n{server.log_tail()}")


# --- reporting -------------------------------------------------------------------------

def fmt_row(r: load.PhaseResult) -> str:
    errs = f"{r.errors}" + (f" {dict(r.error_kinds)}" if r.errors else "")
    return (f"  {r.name:<14} {r.rps:>9.1f} {r.percentile(50):>8.1f} {r.percentile(99):>8.1f}"
            f" {r.ok:>7} {r.client_cpu * 100:>6.0f}%  {errs}")


HEADER = (f"  {'phase':<14} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'n':>7} "
          f"{'client':>7}  errors")


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def summarise(rounds: list[dict[str, load.PhaseResult]], args: argparse.Namespace,
              workers: int) -> tuple[list[str], dict[str, object]]:
    """Medians across rounds; ratios are the median of each round's ours/twin, because a
    round's pair ran seconds apart on the same (drifting) machine."""

    def med(name: str, metric: str) -> float:
        vals = [getattr(r[name], metric) if metric == "rps" else
                r[name].percentile(50 if metric == "p50" else 99) for r in rounds]
        return statistics.median(vals)

    def ratio(kind: str) -> tuple[float, float]:
        paired = statistics.median(r[f"ours-{kind}"].rps / r[f"twin-{kind}"].rps
                                   if r[f"twin-{kind}"].rps else 0.0 for r in rounds)
        twin = med(f"twin-{kind}", "rps")
        return paired, (med(f"ours-{kind}", "rps") / twin if twin else 0.0)

    lines = [
        "",
        "=" * 78,
        f"SUMMARY  median of {len(rounds)} rounds · {args.clients} clients · gunicorn "
        f"{workers} sync workers · {args.seconds:g} s/phase",
        "=" * 78,
        f"  {'':<14} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}",
    ]
    for name in PHASES:
        lines.append(f"  {name:<14} {med(name, 'rps'):>9.1f} {med(name, 'p50'):>8.1f} "
                     f"{med(name, 'p99'):>8.1f}")
    lines.append("")
    ratios: dict[str, float] = {}
    p99s: dict[str, float] = {}
    for kind, label, target in KINDS:
        paired, rom = ratio(kind)
        ratios[kind] = paired
        lines.append(f"  {label + ' ours/twin':<44} {paired:5.2f}  (of medians {rom:4.2f})"
                     f"  >= {target}  {verdict(paired >= target)}")
    for kind, label, _ in KINDS:
        p99s[kind] = med(f"ours-{kind}", "p99")
        lines.append(f"  {label + ' p99':<44} {p99s[kind]:5.1f} ms  < {P99_TARGET_MS:g} ms"
                     f"  {verdict(p99s[kind] < P99_TARGET_MS)}")
    lines.append("=" * 78)
    data: dict[str, object] = {
        "clients": args.clients, "workers": workers, "seconds": args.seconds,
        "rounds": [{n: {"rps": r[n].rps, "p50_ms": r[n].percentile(50),
                        "p99_ms": r[n].percentile(99), "ok": r[n].ok, "errors": r[n].errors}
                    for n in PHASES} for r in rounds],
        "page_ratio": ratios["page"], "submit_ratio": ratios["submit"],
        "pakn_page_ratio": ratios["pakn-page"], "pakn_post_ratio": ratios["pakn-post"],
        "ours_page_p99_ms": p99s["page"], "ours_submit_p99_ms": p99s["submit"],
        "ours_pakn_page_p99_ms": p99s["pakn-page"], "ours_pakn_post_p99_ms": p99s["pakn-post"],
    }
    return lines, data


# --- main ------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    p.add_argument("--seconds", type=float, default=5.0, help="measured seconds per phase")
    p.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    p.add_argument("--max-requests", type=int, default=20000,
                   help="measured requests per phase at most (default 20000)")
    p.add_argument("--warmup", type=float, default=0.5, help="unmeasured seconds per phase")
    args = p.parse_args(argv)
    if args.rounds < 1 or args.seconds <= 0 or args.clients < 1 or args.max_requests < 1:
        p.error("--rounds, --seconds, --clients and --max-requests must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workers = os.cpu_count() or 1
    servers: list[Server] = []
    rounds: list[dict[str, load.PhaseResult]] = []
    with tempfile.TemporaryDirectory(prefix="feedback-bench-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            ports = {name: free_port() for name in ("ours", "twin-page", "twin-submit")}
            print(f"setup in {tmp}: migrating and loading demo data ...", flush=True)
            ours_env, path = setup_ours(tmp, ports["ours"])
            twin_env = setup_twin_submit(tmp)
            ours = start_gunicorn("ours", "feedback:create_app()", ports["ours"], ours_env,
                                  tmp, workers)
            servers.append(ours)
            twin_page = start_gunicorn("twin-page", "page_app:create_app()",
                                       ports["twin-page"], twin_env, tmp, workers, TWINS)
            servers.append(twin_page)
            twin_submit = start_gunicorn("twin-submit", "submit_app:create_app()",
                                         ports["twin-submit"], twin_env, tmp, workers, TWINS)
            servers.append(twin_submit)
            for server in servers:
                wait_ready(server)
            pakn = f"{path}/pakn"
            preflight({"ours": ours, "twin": twin_page}, {"ours": ours, "twin": twin_submit},
                      path)
            preflight({"ours": ours, "twin": twin_page}, {"ours": ours, "twin": twin_submit},
                      pakn, load.petition_body)
            targets = {
                "ours-page": (ours, load.page_action(path), 200),
                "twin-page": (twin_page, load.page_action(path), 200),
                "ours-submit": (ours, load.submit_action(path), 303),
                "twin-submit": (twin_submit, load.submit_action(path), 303),
                "ours-pakn-page": (ours, load.page_action(pakn), 200),
                "twin-pakn-page": (twin_page, load.page_action(pakn), 200),
                "ours-pakn-post": (ours, load.submit_action(pakn, load.petition_body), 303),
                "twin-pakn-post": (twin_submit, load.submit_action(pakn, load.petition_body),
                                   303),
            }
            est = args.rounds * len(PHASES) * (args.seconds + args.warmup)
            print(f"{args.rounds} rounds x {len(PHASES)} phases, {args.clients} clients, "
                  f"{workers} sync workers per server, about {est:.0f} s; "
                  f"'client' = this load generator's CPU (of one core)", flush=True)
            for i in range(args.rounds):
                print(f"\nround {i + 1}/{args.rounds}\n{HEADER}", flush=True)
                results: dict[str, load.PhaseResult] = {}
                for name in PHASES:
                    server, prepare, ok_status = targets[name]
                    results[name] = load.run_phase(
                        name, server.port, prepare, clients=args.clients,
                        seconds=args.seconds, warmup=args.warmup,
                        max_requests=args.max_requests, ok_status=ok_status)
                    print(fmt_row(results[name]), flush=True)
                    if server.proc.poll() is not None:
                        raise SetupError(f"{server.name} died during {name}:\n"
                                         f"{server.log_tail()}")
                rounds.append(results)
        except (SetupError, load.BenchError) as exc:
            print(f"\nBENCHMARK FAILED: {exc}", file=sys.stderr)
            return EXIT_SETUP
        finally:
            for server in servers:
                stop(server)

    lines, data = summarise(rounds, args, workers)
    bad = []
    for name in PHASES:
        ok = sum(r[name].ok for r in rounds)
        errors = sum(r[name].errors for r in rounds)
        rate = errors / (ok + errors) if ok + errors else 1.0
        if rate > MAX_ERROR_RATE:
            bad.append(f"{name}: {errors} errors of {ok + errors} ({rate:.1%})")
    lines.append(f"  errors: {'; '.join(bad) if bad else 'none above 1%'}")
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(data, indent=2) + "\n")
    if bad:
        print("BENCHMARK FAILED: error rate above 1%", file=sys.stderr)
        return EXIT_ERRORS
    return 0


if __name__ == "__main__":
    sys.exit(main())
