"""Alembic migrations of the dispatch schema (run with ``zongzhi db upgrade``)."""
