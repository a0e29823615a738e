"""8 writers x 1,000 visits at the same time: every visit stored exactly once, no error.

Each writer also re-sends every 10th visit with the same idempotency key (a network retry)
so that idempotency is exercised under contention.  SQLite is tested with processes (real
file locking between programs, as when the dashboard and an import run at once),
PostgreSQL with threads (the dashboard's sessions).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import threading
import time

import pytest
import sqlalchemy as sa

from geo_outreach.visits import store as vs

WRITERS = 8
PER_WRITER = 1000
DAY = dt.datetime(2024, 5, 2, 8, 0)


def _write(url: str, w: int, errors: list[str] | None = None) -> int:
    sent = 0
    with vs.open_store(url) as st:
        for i in range(PER_WRITER):
            key = f"w{w}-v{i}"
            kw = dict(
                worker_id=f"worker{w}",
                visited_at=DAY + dt.timedelta(seconds=i),
                outcome="done",
                people_reached=i % 5,
                referrals={"food": i % 2},
                idempotency_key=key,
            )
            try:
                vs.record_visit(st, **kw)
                sent += 1
                if i % 10 == 0:  # the phone did not get the answer and sends again
                    again = vs.record_visit(st, **kw)
                    assert not again.created
            except Exception as exc:  # any error a user would see
                if errors is not None:
                    errors.append(repr(exc))
                raise
    return sent


def _check(url: str) -> None:
    with vs.open_store(url) as st, st.engine.connect() as conn:
        n, keys, records = conn.execute(
            sa.text(
                "SELECT count(*), count(DISTINCT idempotency_key), count(DISTINCT record_id) "
                "FROM visit_versions"
            )
        ).one()
        audit = conn.execute(sa.text("SELECT count(*) FROM visit_audit")).scalar()
        per_worker = dict(
            conn.execute(
                sa.text("SELECT worker_id, count(*) FROM visit_versions GROUP BY worker_id")
            ).all()
        )
    total = WRITERS * PER_WRITER
    assert (n, keys, records, audit) == (total, total, total, total)
    assert per_worker == {f"worker{w}": PER_WRITER for w in range(WRITERS)}


def _threads(url: str) -> float:
    vs.open_store(url).close()  # migrate first, as the app does at start-up
    errors: list[str] = []
    threads = [threading.Thread(target=_write, args=(url, w, errors)) for w in range(WRITERS)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    assert errors == []
    return elapsed


@pytest.mark.slow
def test_sqlite_eight_processes(tmp_path):
    url = f"sqlite:///{tmp_path / 'visits.sqlite'}"
    vs.open_store(url).close()
    ctx = mp.get_context("fork")
    t0 = time.perf_counter()
    with ctx.Pool(WRITERS) as pool:
        sent = pool.starmap(_write, [(url, w) for w in range(WRITERS)])
    elapsed = time.perf_counter() - t0
    assert sent == [PER_WRITER] * WRITERS  # no writer saw an error
    _check(url)
    print(f"sqlite, 8 processes: {WRITERS * PER_WRITER} visits in {elapsed:.1f} s")


def test_sqlite_threads_and_a_second_store_in_one_process(tmp_path):
    # the dashboard serves sessions from threads, and may open the store more than once
    url = f"sqlite:///{tmp_path / 'visits.sqlite'}"
    stores = [vs.open_store(url), vs.open_store(url)]
    n, per = 4, 150

    def work(w: int) -> None:
        st = stores[w % 2]
        for i in range(per):
            vs.record_visit(
                st,
                worker_id=f"worker{w}",
                visited_at=DAY,
                outcome="cancelled",
                idempotency_key=f"t{w}-{i}",
            )

    threads = [threading.Thread(target=work, args=(w,)) for w in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(vs.visits_frame(stores[0])) == n * per
    for st in stores:
        st.close()


@pytest.mark.slow
def test_postgres_eight_threads(pg_url):
    elapsed = _threads(pg_url)
    _check(pg_url)
    print(f"postgresql, 8 threads: {WRITERS * PER_WRITER} visits in {elapsed:.1f} s")
