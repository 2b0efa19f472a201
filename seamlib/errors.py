"""User-facing exceptions.

Every failure a user can fix (a bad data path, a checksum mismatch, an invalid configuration)
raises a subclass of :class:`SeamlibError` whose message says what was wrong, what was
expected and how to fix it. The CLI prints these without a traceback and exits non-zero.
"""

from __future__ import annotations

__all__ = ["SeamlibError", "ConfigError", "DataError", "ChecksumError", "TrainingError"]


class SeamlibError(Exception):
    """Base class of seamlib's user-facing errors."""


class ConfigError(SeamlibError, ValueError):
    """An invalid configuration or argument (unknown profile, beta <= 0, d < 1, ...)."""


class DataError(SeamlibError, FileNotFoundError):
    """A data set is missing, or laid out differently from what the loader expects."""


class ChecksumError(DataError):
    """A data file exists but its checksum differs from the published one."""


class TrainingError(SeamlibError, RuntimeError):
    """Training cannot continue (e.g. a non-finite loss); the message names the step."""
