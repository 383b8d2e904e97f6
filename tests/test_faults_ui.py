"""The web UI under hostile use (issue 12): oversized uploads and password guessing, against the
real Gradio server where it matters."""
from __future__ import annotations

import asyncio
import dataclasses
import socket
from pathlib import Path
from types import SimpleNamespace

import pytest

import app
from conftest import SAMPLE
from ingest import load
from ingest.config import load_settings
from ingest.store import Store


@pytest.fixture()
def settings(tmp_path):
    return dataclasses.replace(load_settings(tmp_path / "home"), embed=False)


def test_an_upload_over_the_limit_is_refused_from_its_size_and_deleted(settings, tmp_path, monkeypatch):
    store = Store(settings.db_path)
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:  # 200 MB, sparse: no disk used, and it must never be read
        f.truncate(200 * 1024 * 1024)
    good = tmp_path / "taian.txt"
    good.write_bytes((SAMPLE / "003_67b517500533bac5.txt").read_bytes())
    read: list[str] = []
    real_read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self.name) or real_read(self))

    html, cleared = app.upload([str(big), SimpleNamespace(name=str(good))], None, settings=settings, store=store)
    assert "big.txt" in html and "file too large (210 MB &gt; 52 MB limit)" in html
    assert "big.txt" not in read  # refused from its size, never read whole
    assert not big.exists()  # and deleted from the upload folder
    assert good.exists() and store.counts()["reports"] == 1  # the other file went in

    seen: dict = {}
    app.serve(SimpleNamespace(launch=lambda **kw: seen.update(kw)), app.UIConfig())
    assert seen["max_file_size"] == load.MAX_BYTES  # the server refuses bigger uploads outright


def test_a_refused_upload_outside_the_temp_folder_is_left_alone(settings, tmp_path, monkeypatch):
    outside = tmp_path / "mine.txt"
    outside.write_text("只是一些文字。", "utf-8")
    monkeypatch.setattr(app, "_upload_dirs", lambda: [(tmp_path / "uploads").resolve()])
    app.upload([str(outside)], None, settings=settings, store=Store(settings.db_path))
    assert outside.exists()


def _asgi_login(throttle: app.LoginThrottle, client: str, ok: bool) -> int:
    """POST /login through the middleware to an app that accepts or refuses the password."""
    async def inner(scope, receive, send):
        await send({"type": "http.response.start", "status": 200 if ok else 400, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    throttle.app = inner
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "method": "POST", "path": "/login/", "client": (client, 5555), "headers": []}
    asyncio.run(throttle(scope, receive, send))
    return sent[0]["status"]


def test_login_throttle_locks_out_one_client_and_lets_it_back_later():
    now = [1000.0]
    t = app.LoginThrottle(None, free_tries=3, base_delay=10, max_delay=60, clock=lambda: now[0])
    assert [_asgi_login(t, "1.1.1.1", ok=False) for _ in range(3)] == [400, 400, 400]
    assert _asgi_login(t, "1.1.1.1", ok=True) == 429  # locked: not even the right password is checked
    assert _asgi_login(t, "2.2.2.2", ok=True) == 200  # another client is not affected
    now[0] += 11
    assert _asgi_login(t, "1.1.1.1", ok=False) == 400  # one more try after the wait…
    assert _asgi_login(t, "1.1.1.1", ok=False) == 429  # …and a longer lock-out (20 s now)
    now[0] += 19
    assert t.retry_after("1.1.1.1") == pytest.approx(1.0)
    now[0] += 60
    assert _asgi_login(t, "1.1.1.1", ok=True) == 200 and t.retry_after("1.1.1.1") == 0  # success clears it
    assert _asgi_login(t, "1.1.1.1", ok=False) == 400


def test_login_throttle_counts_a_burst_sent_at_once():
    """200 guesses sent together: only the free tries reach the password check."""
    t = app.LoginThrottle(None, free_tries=5)
    checked: list[int] = []

    async def burst() -> list[int]:
        release = asyncio.Event()

        async def inner(scope, receive, send):
            checked.append(1)
            await release.wait()  # every guess is in flight before any is answered
            await send({"type": "http.response.start", "status": 400, "headers": []})
            await send({"type": "http.response.body", "body": b"{}"})

        t.app = inner

        async def one() -> int:
            sent: list[dict] = []

            async def send(message):
                sent.append(message)

            async def receive():
                return {"type": "http.request", "body": b"", "more_body": False}

            await t({"type": "http", "method": "POST", "path": "/login", "client": ("6.6.6.6", 1), "headers": []},
                    receive, send)
            return sent[0]["status"]

        tasks = [asyncio.ensure_future(one()) for _ in range(200)]
        while len(checked) + sum(x.done() for x in tasks) < 200:
            await asyncio.sleep(0)
        release.set()
        return list(await asyncio.gather(*tasks))

    codes = asyncio.run(burst())
    assert len(checked) == 5 and codes.count(400) == 5 and codes.count(429) == 195
    assert t.retry_after("6.6.6.6") > 0  # and the five failures lock it out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_real_server_refuses_big_uploads_and_locks_out_a_password_guesser(settings, tmp_path, monkeypatch):
    import httpx

    uploads = tmp_path / "gradio"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(uploads))
    monkeypatch.setattr(load, "MAX_BYTES", 100_000)
    demo = app.build_app(settings, ingest_sample=False, answer_fn=lambda q: None)
    port = _free_port()
    app.serve(demo, app.UIConfig(host="127.0.0.1", port=port, user="admin", password="right"),
              prevent_thread_lock=True, quiet=True)
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=30) as c:
            assert c.post("/login", data={"username": "admin", "password": "right"}).status_code == 200
            big = c.post("/gradio_api/upload", files={"files": ("big.txt", b"x" * 300_000, "text/plain")})
            assert big.status_code == 413  # refused while it streams in …
            assert not [f for f in uploads.rglob("*") if f.is_file()]  # … and nothing of it is kept
            small = c.post("/gradio_api/upload", files={"files": ("small.txt", b"x" * 3_000, "text/plain")})
            assert small.status_code == 200 and Path(small.json()[0]).name == "small.txt"
            codes = [c.post("/login", data={"username": "admin", "password": f"guess{i}"}).status_code
                     for i in range(40)]
            assert codes[:5] == [400] * 5 and set(codes[5:]) == {429}, codes
            locked = c.post("/login", data={"username": "admin", "password": "right"})
            assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
            assert "登录失败次数过多" in locked.json()["detail"]  # one language (was "… (too many failed logins …)")
    finally:
        demo.close()
