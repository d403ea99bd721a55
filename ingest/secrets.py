"""A secret from the environment: its variable's value, or the content of a file another variable names.

Why both: an environment file is the simple case (deploy/sozialmonitor.env, readable by the service
only); a file suits the places that hand secrets over as files (systemd's `LoadCredential=`, Docker and
Kubernetes secrets mounted as files). Never from the project or the data directory, which are copied,
shared and backed up. Used for the GENESIS API password and the SMTP password.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


class SecretError(ValueError):
    """A secret's settings contradict each other, or its file cannot be read; says which variable."""


def secret_from_environment(env: Mapping[str, str], variable: str, file_variable: str) -> str | None:
    """The value of `variable`, or the text of the file `file_variable` names (its final line break
    dropped); None when neither is set. Both set is an error: which one would win is not obvious."""
    path = env.get(file_variable, "").strip()
    if variable in env and path:
        raise SecretError(f"both {variable} and {file_variable} are set: set only one")
    if not path:
        return env.get(variable)
    try:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
        raise SecretError(f"the file named by {file_variable} cannot be read ({reason})") from None
