"""The web load client, run in its own process: ``python -m bench._web_client PLAN``.

Each simulated teacher has its own cookies, signed in through the sign-in
form (its CSRF cookie and token) before the clock starts, then a thread of
its own that, in a loop: opens their
journal page, fills the new-lesson form as the page gives it (its CSRF token
and submission key, every pupil's row) with a topic, a mark for most pupils
and two absences, posts it (one signed lesson sheet), and opens the page it
leads to. One more thread calls ``/health`` at a steady rate: the baseline in
the same run. Requests that start and finish inside the measured window count
(errors count whenever they happen).
Prints one JSON object: per kind (``page``, ``sheet``, ``health``) the
latencies in ms and the errors.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tests.support.forms import form_fields

ACTION = re.compile(r'<form method="post" action="([^"]+)" id="lesson-form"')
LOGIN_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
MARKS = "5435445342"


class Results:
    """Latencies and errors by kind, inside the measured window."""

    def __init__(self, start: float, stop: float) -> None:
        self.start, self.stop = start, stop
        self.kinds: dict[str, dict[str, list[Any]]] = {
            k: {"latencies": [], "errors": []} for k in ("page", "sheet", "health")
        }
        self.lock = threading.Lock()

    def add(self, kind: str, began: float, error: str | None = None) -> None:
        """A request's latency if it lies in the window; an error whenever."""
        ended = time.perf_counter()
        with self.lock:
            if error is not None:
                self.kinds[kind]["errors"].append(error[:300])
            elif self.start <= began and ended <= self.stop:
                self.kinds[kind]["latencies"].append((ended - began) * 1000)


def sign_in(client: httpx.Client, account: str, password: str) -> None:
    form = client.get("/app/login")
    token = LOGIN_CSRF.search(form.text)
    assert token, "the sign-in page has no CSRF token"
    answer = client.post(
        "/app/login",
        data={"username": account, "password": password, "csrf": token.group(1)},
    )
    assert answer.status_code == 303, answer.text[:300]


def filled(page: str, slot: list[Any], n: int) -> tuple[str, dict[str, str]]:
    """The page's new-lesson form with lesson ``slot`` typed in."""
    found = ACTION.search(page)
    assert found, "the journal page has no new-lesson form"
    action = found.group(1).replace("&amp;", "&")
    fields = form_fields(page, action)
    rows = sorted(
        int(m.group(1))
        for k in fields
        if (m := re.fullmatch(r"marks\.(\d+)\.pupil", k))
    )
    fields.update(day=slot[0], number=str(slot[1]), topic=f"Урок нагрузки {n}")
    for i in rows[:-5]:
        fields[f"marks.{i}.mark"] = MARKS[(i + n) % len(MARKS)]
    for i in rows[-2:]:
        fields[f"absences.{i}.pupil"] = fields[f"marks.{i}.pupil"]
    return action, fields


def teacher(
    plan: dict[str, Any],
    who: dict[str, Any],
    client: httpx.Client,
    index: int,
    results: Results,
) -> None:
    interval = float(plan["interval"])
    slots = iter(who["slots"])
    time.sleep(index * interval / len(plan["teachers"]))  # spread, not in step
    n = 0
    try:
        while time.perf_counter() < results.stop:
            began = time.perf_counter()
            slot = next(slots, None)
            if slot is None:
                return
            n += 1
            _cycle(client, who["journal"], slot, n, results)
            time.sleep(max(0.0, began + interval - time.perf_counter()))
    except (httpx.HTTPError, AssertionError, KeyError) as e:  # counted, not lost
        results.add("page", time.perf_counter(), f"{who['account']}: {e!r}")
    finally:
        client.close()


def _cycle(
    client: httpx.Client, path: str, slot: list[Any], n: int, results: Results
) -> None:
    """Open the journal, save a lesson through its form, see the page again."""
    began = time.perf_counter()
    page = client.get(path)
    if page.status_code != 200 or 'id="lesson-form"' not in page.text:
        results.add("page", began, f"{page.status_code}: {page.text[:200]}")
        return
    results.add("page", began)
    action, fields = filled(page.text, slot, n)
    began = time.perf_counter()
    saved = client.post(action, data=fields)
    if saved.status_code != 303:
        results.add("sheet", began, f"{saved.status_code}: {saved.text[:200]}")
        return
    results.add("sheet", began)
    began = time.perf_counter()
    shown = client.get(saved.headers["location"])
    ok = shown.status_code == 200 and "записан и подписан" in shown.text
    results.add("page", began, None if ok else f"{shown.status_code} after saving")


def health(plan: dict[str, Any], results: Results) -> None:
    pause = 1 / plan["health_per_second"]
    with httpx.Client(base_url=plan["base"], timeout=60) as client:
        while time.perf_counter() < results.stop:
            began = time.perf_counter()
            answer = client.get("/health")
            error = None if answer.status_code == 200 else answer.text
            results.add("health", began, error)
            time.sleep(max(0.0, began + pause - time.perf_counter()))


def main(plan_path: str) -> None:
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    clients = []
    for who in plan["teachers"]:  # everyone signed in before the clock starts
        client = httpx.Client(base_url=plan["base"], timeout=60)
        sign_in(client, who["account"], plan["password"])
        clients.append(client)
    start = time.perf_counter() + plan["warmup"]
    results = Results(start, start + plan["seconds"])
    threads = [
        threading.Thread(target=teacher, args=(plan, who, client, i, results))
        for i, (who, client) in enumerate(zip(plan["teachers"], clients, strict=True))
    ]
    threads.append(threading.Thread(target=health, args=(plan, results)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    json.dump({"seconds": plan["seconds"], **results.kinds}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
