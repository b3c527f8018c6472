"""`hubnity-worker`: runs arq workers over the job registry (production mode).

Scale out by running more of these; each runs at most HUBNITY_WORKER_MAX_JOBS
jobs at once. SIGTERM finishes gracefully; a job cut off by SIGKILL is picked
up again by a worker once its in-progress lease (job timeout + 10 s) lapses.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from server.jobs.worker import WorkerOptions, worker_kwargs
from server.observability.logging import configure_logging, log
from server.runtime.config import ConfigError, get_settings


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

    from arq.worker import Worker

    asyncio.set_event_loop(asyncio.new_event_loop())
    log.info("worker starting", queue=kwargs["queue_name"], max_jobs=options.max_jobs,
             jobs=sorted(f.name for f in kwargs["functions"]))
    Worker(**kwargs).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
