# Sourced by the Makefile: point at the local PostgreSQL and Redis when they answer and the
# caller chose nothing; otherwise settings.py falls back to the embedded defaults.
if [ -z "${DATABASE_URL:-}" ] && (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/productops"
fi
if [ -z "${REDIS_URL:-}" ] && (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  export REDIS_URL="redis://127.0.0.1:6379/0"
fi
