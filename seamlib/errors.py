"""User-facing exceptions.

Every failure a user can fix (a bad data path, a checksum mismatch, an invalid configuration)
raises a subclass of :class:`SeamlibError` whose message says what was wrong, what was
expected and how to fix it. The CLI prints these without a traceback and exits non-zero.
"""

from __future__ import annotations

__all__ = ["SeamlibError", "ConfigError", "DataError", "ChecksumError", "TrainingError"]


class SeamlibError(Exception):
    """Base class of seamlib's user-facing errors.

    Examples
    --------
    >>> from seamlib import config, errors
    >>> try:
    ...     config.get_profile("huge")
    ... except errors.SeamlibError as exc:
    ...     print(type(exc).__name__)
    ProfileError
    """


class ConfigError(SeamlibError, ValueError):
    """An invalid configuration or argument (unknown profile, beta <= 0, d < 1, ...).

    Examples
    --------
    >>> from seamlib.errors import ConfigError
    >>> issubclass(ConfigError, ValueError)  # also caught by ``except ValueError``
    True
    """


class DataError(SeamlibError, FileNotFoundError):
    """A data set is missing, or laid out differently from what the loader expects.

    Examples
    --------
    >>> from seamlib.errors import DataError
    >>> issubclass(DataError, FileNotFoundError)  # also caught by ``except FileNotFoundError``
    True
    """


class ChecksumError(DataError):
    """A data file exists but its checksum differs from the published one.

    Examples
    --------
    >>> from seamlib.errors import ChecksumError, DataError
    >>> issubclass(ChecksumError, DataError)
    True
    """


class TrainingError(SeamlibError, RuntimeError):
    """Training cannot continue (e.g. a non-finite loss); the message names the step.

    Examples
    --------
    >>> from seamlib.errors import TrainingError
    >>> issubclass(TrainingError, RuntimeError)  # also caught by ``except RuntimeError``
    True
    """
