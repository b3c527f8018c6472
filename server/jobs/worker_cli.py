"""`hubnity-worker`: runs arq workers over the job registry (production mode).

Scale out by running more of these; each runs at most HUBNITY_WORKER_MAX_JOBS
jobs at once. SIGTERM finishes gracefully; a job cut off by SIGKILL is picked
up again by a worker once its in-progress lease (job timeout + 10 s) lapses.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from server.jobs.worker import WorkerOptions, worker_kwargs
from server.observability.logging import configure_logging, log
from server.runtime.config import ConfigError, get_settings

RECONNECT_MAX_SECONDS = 30.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hubnity-worker", description=__doc__)
    parser.add_argument("--burst", action="store_true",
                        help="run the jobs queued now, then exit (tests, cron-style runs)")
    parser.add_argument("--max-jobs", type=int, default=None,
                        help="concurrent jobs (default HUBNITY_WORKER_MAX_JOBS or 4)")
    args = parser.parse_args(argv)
    try:
        settings = get_settings()
        options = WorkerOptions.from_env()
        if args.max_jobs is not None:
            options = WorkerOptions(max(1, args.max_jobs), options.job_timeout,
                                    options.max_tries)
        kwargs = worker_kwargs(settings, options, burst=args.burst)
    except ConfigError as exc:
        print(f"hubnity-worker: {exc}", file=sys.stderr)
        return 2
    configure_logging(json=settings.log_json)

    log.info("worker starting", queue=kwargs["queue_name"], max_jobs=options.max_jobs,
             jobs=sorted(f.name for f in kwargs["functions"]))
    return _run_until_stopped(kwargs, burst=args.burst)


def _run_until_stopped(kwargs: dict[str, object], *, burst: bool) -> int:
    """Runs the arq worker; when Redis goes away, waits and starts it again
    (backoff up to RECONNECT_MAX_SECONDS) instead of exiting, so a Redis
    restart does not need every worker restarted by hand. A job cut off by the
    outage is retried by arq after its lease, or recovered by the sweeps."""
    from arq.worker import Worker
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    delay = 1.0
    while True:
        asyncio.set_event_loop(asyncio.new_event_loop())
        try:
            Worker(**kwargs).run()  # type: ignore[arg-type]
            return 0
        except (RedisConnectionError, RedisTimeoutError, ConnectionError) as exc:
            if burst:
                raise
            log.warning("Redis unavailable; worker restarting", retry_in_seconds=delay,
                        error=str(exc)[:200])
        time.sleep(delay)
        delay = min(RECONNECT_MAX_SECONDS, delay * 2)


if __name__ == "__main__":
    sys.exit(main())
