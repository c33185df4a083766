"""Errors raised while loading configuration: they name the file, the entry and the field."""

from __future__ import annotations

from pathlib import Path


class ConfigError(ValueError):
    """A configuration file could not be used.

    ``file`` is the file read, ``entry`` the item inside it (for example ``centers[12]`` or
    ``cameras.cam-001``), ``field`` the offending field and ``reason`` what was wrong with it.
    """

    def __init__(
        self,
        file: Path | str | None,
        reason: str,
        *,
        entry: str | None = None,
        field: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.entry = entry
        self.field = field
        self.reason = reason
        parts = [self.file or "<settings>"]
        if entry:
            parts.append(f"entry {entry}")
        if field:
            parts.append(f"field {field!r}")
        super().__init__(f"{': '.join(parts)}: {reason}")
