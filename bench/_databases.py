"""Where the database benches keep their generated data, reused from one run to the next."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def bench_database(backend: str, name: str, directory: Path, pg_admin: str) -> str:
    """The URL of bench database ``name``: ``<directory>/<name>.db`` on SQLite, database
    ``zongzhi_bench_<name>`` on the PostgreSQL server of ``pg_admin`` (created when missing)."""
    if backend == "sqlite":
        directory.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{directory / f'{name}.db'}"
    admin_url = make_url(pg_admin)
    database = f"zongzhi_bench_{name}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database}
        )
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return admin_url.set(database=database).render_as_string(hide_password=False)
