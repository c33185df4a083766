"""Process settings: a TOML file plus ``ZONGZHI_*`` environment variables.

Precedence, highest first: keyword arguments, environment (``ZONGZHI_DATABASE_URL``,
``ZONGZHI_STREAMS__JPEG_QUALITY`` …), the TOML file, defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from config.auth import AuthSettings
from config.briefings import BriefingSchedule
from config.duty import DutyPolicy
from config.errors import ConfigError
from config.intake import IntakePolicy
from config.media import MediaSettings
from config.streams import StreamSettings


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ZONGZHI_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    data_dir: Path = Field(Path("data"), title="Folder for the SQLite database, evidence and recordings")
    database_url: str | None = Field(
        None, title="SQLAlchemy URL; defaults to an SQLite file in data_dir"
    )
    deployment_file: Path | None = Field(None, title="Deployment description (TOML)")
    host: str = Field("127.0.0.1", title="Address the server listens on")
    port: int = Field(8501, ge=1, le=65535, title="Port the server listens on")
    language: Literal["zh-CN", "en"] = Field("zh-CN", title="Default interface language")
    timezone: str = Field("Asia/Shanghai", title="Time zone for working days and daily KPIs")
    allow_without_holidays: bool = Field(
        False,
        title="Serve even without a holiday calendar (weekends only): off by default, "
        "`serve` refuses to start without one",
    )
    streams: StreamSettings = Field(default_factory=StreamSettings)
    auth: AuthSettings = Field(default_factory=AuthSettings)
    duty: DutyPolicy = Field(default_factory=DutyPolicy)
    intake: IntakePolicy = Field(default_factory=IntakePolicy)
    briefings: BriefingSchedule = Field(default_factory=BriefingSchedule)
    media: MediaSettings = Field(default_factory=MediaSettings)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'zongzhi.db').resolve()}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        toml_file = settings_cls.model_config.get("toml_file")
        if toml_file:
            sources.append(TomlConfigSettingsSource(settings_cls))
        return tuple(sources)


def load_settings(path: Path | str | None = None, **overrides: object) -> Settings:
    """Load settings from ``path`` (TOML, optional) and the environment.

    Raises :class:`ConfigError` naming the file and the field when a value is invalid.
    """
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(path, "file not found")

        class _FileSettings(Settings):
            model_config = SettingsConfigDict(toml_file=path)

        cls: type[Settings] = _FileSettings
    else:
        cls = Settings
    try:
        return cls(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise ConfigError(path, err["msg"], field=field) from exc
    except ValueError as exc:  # TOML syntax errors
        raise ConfigError(path, str(exc)) from exc
