"""What a deployment configures, read once from the environment (see docs/deploy.md for each setting)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MB = 1024 * 1024


def _number(env, name: str, default: float) -> float:
    raw = env.get(name, "")
    try:
        return float(raw) if raw.strip() else default
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    base_url: str | None = None  # the public address, e.g. https://atlas.example.org (no trailing slash)
    trusted_hosts: tuple[str, ...] = ()  # Host headers accepted; empty: the base URL's host, or any when unset
    max_body: int = 50 * MB
    max_file: int = 20 * MB
    ingest_workers: int = 2
    ingest_seconds: float = 60.0
    ingest_memory: int = 1024 * MB
    cache_seconds: int = 60
    cache_bytes: int = 64 * MB  # answers kept per (version, URL) in each process; 0 keeps none
    rates: dict[str, str] = field(default_factory=lambda: {"ingest": "10/minute", "login": "10/minute",
                                                            "api": "600/minute"})

    @classmethod
    def from_env(cls, env=None) -> Settings:
        env = os.environ if env is None else env
        base = env.get("ATLAS_BASE_URL", "").strip().rstrip("/") or None
        if base and (urlsplit(base).scheme not in ("http", "https") or not urlsplit(base).hostname):
            raise ValueError(f"ATLAS_BASE_URL must be an http(s) URL like https://atlas.example.org, not {base!r}")
        hosts = tuple(h.strip() for h in env.get("ATLAS_TRUSTED_HOSTS", "").split(",") if h.strip())
        defaults = cls()
        rates = {bucket: env.get(f"ATLAS_RATE_{bucket.upper()}", rate) for bucket, rate in defaults.rates.items()}
        return cls(base_url=base, trusted_hosts=hosts or ((urlsplit(base).hostname,) if base else ()),
                   max_body=int(_number(env, "ATLAS_MAX_BODY_MB", 50) * MB),
                   max_file=int(_number(env, "ATLAS_MAX_FILE_MB", 20) * MB),
                   ingest_workers=max(1, int(_number(env, "ATLAS_INGEST_WORKERS", 2))),
                   ingest_seconds=_number(env, "ATLAS_INGEST_SECONDS", 60),
                   ingest_memory=int(_number(env, "ATLAS_INGEST_MEMORY_MB", 1024) * MB),
                   cache_seconds=int(_number(env, "ATLAS_CACHE_SECONDS", 60)),
                   cache_bytes=int(_number(env, "ATLAS_RESPONSE_CACHE_MB", 64) * MB), rates=rates)

    @property
    def https(self) -> bool:
        return bool(self.base_url and self.base_url.startswith("https://"))
