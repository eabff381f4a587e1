"""The load client, run in its own process: ``python -m bench._api_client PLAN``.

Threads post lesson sheets (one lesson of a class: a mark for every pupil) to
``/lesson-sheets`` back to back, each on its own keep-alive connection, while
one more thread calls ``/health`` at a steady rate: the trivial endpoint of
the same app, in the same run, under the same load. Prints one JSON object:
per endpoint, the latencies (ms) of the requests that started and finished
inside the measured window, and the errors.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any

import httpx


def _sheet(slot: dict[str, Any], pupils: list[str]) -> dict[str, Any]:
    return {
        "class_id": slot["class_id"],
        "subject": slot["subject"],
        "day": slot["day"],
        "number": slot["number"],
        "topic": "Тема урока",
        "marks": [
            {"pupil": p, "mark": "54325"[i % 5], "work_type": "ответ на уроке"}
            for i, p in enumerate(pupils)
        ],
    }


def main(plan_path: str) -> None:
    plan = json.loads(open(plan_path, encoding="utf-8").read())  # noqa: SIM115
    base = plan["base"]
    # one teacher for every thread, or (``teachers``) one teacher a thread, each
    # with their own account, pupils and free lessons (bench/municipality.py)
    teachers = plan.get("teachers") or [plan] * plan["threads"]
    tokens = {
        t["account"]: httpx.post(
            f"{base}/token",
            data={"username": t["account"], "password": t["password"]},
            timeout=60,
        ).json()["access_token"]
        for t in teachers
    }
    shared = iter(plan.get("slots") or ())
    lock = threading.Lock()
    start = time.perf_counter() + plan["warmup"]
    stop = start + plan["seconds"]
    results: dict[str, dict[str, Any]] = {
        "sheets": {"latencies": [], "errors": [], "marks": 0},
        "health": {"latencies": [], "errors": [], "marks": 0},
    }

    def record(
        kind: str, began: float, ended: float, answer: httpx.Response, marks: int
    ) -> None:
        if began < start or ended > stop:
            return
        with lock:
            r = results[kind]
            if answer.status_code >= 400:
                r["errors"].append(answer.text[:300])
            else:
                r["latencies"].append((ended - began) * 1000)
                r["marks"] += marks

    # back to back, or (``sheet_interval``) one sheet every so many seconds a
    # thread, an open loop whose latency does not depend on the client count
    interval = float(plan.get("sheet_interval") or 0)

    def post_sheets(teacher: dict[str, Any], index: int) -> None:
        auth = {"Authorization": f"Bearer {tokens[teacher['account']]}"}
        time.sleep(index * interval / len(teachers))  # spread, not in step
        slots = iter(teacher["slots"]) if "teachers" in plan else shared
        with httpx.Client(base_url=base, headers=auth, timeout=30) as client:
            while time.perf_counter() < stop:
                with lock:
                    slot = next(slots, None)
                if slot is None:
                    return
                pupils = teacher["pupils"][slot["class_id"]]
                began = time.perf_counter()
                answer = client.post("/lesson-sheets", json=_sheet(slot, pupils))
                record("sheets", began, time.perf_counter(), answer, len(pupils))
                if interval:
                    time.sleep(max(0.0, began + interval - time.perf_counter()))

    def get_health() -> None:
        pause = 1 / plan["health_per_second"]
        with httpx.Client(base_url=base, timeout=30) as client:
            while time.perf_counter() < stop:
                began = time.perf_counter()
                answer = client.get("/health")
                record("health", began, time.perf_counter(), answer, 0)
                time.sleep(max(0.0, began + pause - time.perf_counter()))

    threads = [
        threading.Thread(target=post_sheets, args=(t, i))
        for i, t in enumerate(teachers)
    ]
    threads.append(threading.Thread(target=get_health))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    json.dump({"seconds": plan["seconds"], **results}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
