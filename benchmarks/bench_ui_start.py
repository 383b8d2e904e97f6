"""Start-up of the web UI: from ``python app.py`` to a page, a table answer, the first prose
answer, and "ready" (model loaded, every report embedded); then prose answers once ready.

    python benchmarks/bench_ui_start.py [--home DIR] [--port P] [--repeat 3]

Without --home, a fresh temporary home: the app ingests the bundled sample on start (tables at
once, embedding in the background). The app runs as a separate process, exactly as staff start
it; questions go through its API (``/ask``, ``/status``: the same ``qa.answer`` as the chat).
Prints one line per milestone, seconds since the process was started.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TABLE_Q = "泰安市行政审批服务局2024年不予公开的申请有多少件？"
PROSE_Q = "马尚街道2023年发布政策解读几篇？"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--home", help="data folder (default: a fresh temporary one, the bundled sample)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=3, help="prose questions timed after ready")
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args()
    tmp = None if args.home else tempfile.TemporaryDirectory(prefix="gongkai-bench-ui-")
    home = args.home or tmp.name
    port = args.port or _free_port()
    url = f"http://127.0.0.1:{port}/"
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False")
    Path(home).mkdir(parents=True, exist_ok=True)
    log = open(Path(home) / "bench-ui.log", "w")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--home", home, "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    since = lambda: time.perf_counter() - t0  # noqa: E731
    try:
        while not _up(url):
            if proc.poll() is not None or since() > args.timeout:
                print(f"app did not start (see {log.name})", file=sys.stderr)
                return 1
            time.sleep(0.1)
        print(f"page served:                 {since():7.2f} s")
        from gradio_client import Client

        client = Client(url, verbose=False)
        status = client.predict(api_name="/status")
        t = time.perf_counter()
        text = client.predict(TABLE_Q, api_name="/ask")
        print(f"table answer:                {since():7.2f} s  ({time.perf_counter() - t:.2f} s to answer; "
              f"index {status}) {text.splitlines()[0][:50]}")
        t = time.perf_counter()
        text = client.predict(PROSE_Q, api_name="/ask")
        print(f"first prose answer:          {since():7.2f} s  ({time.perf_counter() - t:.2f} s to answer) "
              f"{text.splitlines()[0][:50]}")
        while (status := client.predict(api_name="/status")) not in ("ready", "off", "failed"):
            if since() > args.timeout:
                print("not ready in time", file=sys.stderr)
                return 1
            time.sleep(0.2)
        print(f"ready ({status}):{' ' * (15 - len(status))}{since():7.2f} s")
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            client.predict(PROSE_Q, api_name="/ask")
            times.append(time.perf_counter() - t)
        if times:
            print(f"prose answer after ready:    median {statistics.median(times):.2f} s, max {max(times):.2f} s "
                  f"({len(times)} questions)")
        return 0
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
