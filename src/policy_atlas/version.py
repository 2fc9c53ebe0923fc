"""The installed package's version, one place for the CLI and the API."""
from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    try:
        return version("policy-atlas")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"
