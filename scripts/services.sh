#!/usr/bin/env bash
# Makes sure the local PostgreSQL and Redis the tests use are up: starts them
# when installed but stopped. Tests that need a missing service skip with a
# loud reason locally and fail under CI=true.
set -uo pipefail
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_up && command -v pg_ctlcluster >/dev/null; then
  for version in $(ls /etc/postgresql 2>/dev/null); do
    echo "starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if ! redis_up && command -v redis-server >/dev/null; then
  echo "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
fi
pg_up && echo "PostgreSQL: up" || echo "PostgreSQL: NOT RUNNING (its tests will skip loudly, or fail in CI)"
redis_up && echo "Redis: up" || echo "Redis: NOT RUNNING (its tests will skip loudly, or fail in CI)"
exit 0
