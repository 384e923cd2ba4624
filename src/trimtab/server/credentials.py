"""The access key id and secret that trimtab's server accepts signatures from.

The server needs keys before anyone can call it, but asking users to invent them would be a
needless step: so the first start writes random ones to ``<home>/credentials``, in the INI form
of AWS's own ``~/.aws/credentials`` so they can be copied into a boto3 profile as they are.
The file holds a secret, so it is created readable by its owner only and refused if it is open
to others. ``TRIMTAB_ACCESS_KEY_ID`` and ``TRIMTAB_SECRET_ACCESS_KEY`` override it, for
containers and CI where keys come from the environment.
"""

from __future__ import annotations

import configparser
import os
import re
import secrets
import stat
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from trimtab.errors import TrimtabError

ACCESS_KEY_ENV: Final = "TRIMTAB_ACCESS_KEY_ID"
SECRET_KEY_ENV: Final = "TRIMTAB_SECRET_ACCESS_KEY"
FILE_NAME: Final = "credentials"
SECTION: Final = "default"
ACCESS_KEY_OPTION: Final = "aws_access_key_id"
SECRET_KEY_OPTION: Final = "aws_secret_access_key"

# The characters a key id can hold without breaking the `Credential=<id>/...` it is sent in.
_KEY_ID: Final = re.compile(r"[A-Za-z0-9_.-]+")


class CredentialsError(TrimtabError):
    """The server's keys cannot be loaded: the message says what to fix."""

    code = "InvalidCredentials"


@dataclass(frozen=True)
class Credentials:
    """One access key, and whether this load created it (so the server can say where)."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    created: bool = field(default=False, compare=False)

    def as_mapping(self) -> dict[str, str]:
        """access key id -> secret, the form `sigv4.verify` takes."""
        return {self.access_key_id: self.secret_access_key}


def load_credentials(home: Path, environ: Mapping[str, str]) -> Credentials:
    """The server's keys: from the environment when set there, else from ``<home>/credentials``,
    which is created with new random keys if it does not exist.

    Raises:
        CredentialsError: only one of the two variables is set, or the file is open to group or
            others, unreadable or without both keys.
    """
    key_id, secret = environ.get(ACCESS_KEY_ENV, ""), environ.get(SECRET_KEY_ENV, "")
    if key_id and secret:
        _check_key_id(key_id, ACCESS_KEY_ENV)
        return Credentials(key_id, secret)
    if key_id or secret:
        given, missing = ACCESS_KEY_ENV, SECRET_KEY_ENV
        if secret:
            given, missing = missing, given
        raise CredentialsError(
            f"{given} is set but {missing} is not: set both, or neither to use the keys in "
            f"{home / FILE_NAME}."
        )
    path = home / FILE_NAME
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    try:
        return _create(path)
    except FileExistsError:  # another process created it just now: use its keys
        return _read(path)


def new_credentials() -> Credentials:
    """Random keys shaped like AWS's: a 20-character upper-case id (``TTAK`` + 16, where AWS's
    start ``AKIA``) and a 40-character secret, letters and digits only so they need no quoting
    in a shell."""
    upper = string.ascii_uppercase + string.digits
    alphanumeric = string.ascii_letters + string.digits
    return Credentials(
        "TTAK" + "".join(secrets.choice(upper) for _ in range(16)),
        "".join(secrets.choice(alphanumeric) for _ in range(40)),
        created=True,
    )


def _read(path: Path) -> Credentials:
    """Read the keys, checking the mode on the opened file so it cannot change in between."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise CredentialsError(f"Cannot read {path}: {error.strerror}.") from None
    with os.fdopen(fd, encoding="utf-8") as file:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise CredentialsError(
                f"{path} holds a secret but is open to group or others (mode {mode:04o}): "
                f"run `chmod 600 {path}`."
            )
        try:
            text = file.read()
        except (OSError, UnicodeError) as error:
            raise CredentialsError(f"Cannot read {path}: {error}.") from None
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error as error:
        raise CredentialsError(f"{path} is not a valid credentials file: {error}") from None
    key_id = parser.get(SECTION, ACCESS_KEY_OPTION, fallback="")
    secret = parser.get(SECTION, SECRET_KEY_OPTION, fallback="")
    if not key_id or not secret:
        raise CredentialsError(
            f"{path} needs a [{SECTION}] section with {ACCESS_KEY_OPTION} and "
            f"{SECRET_KEY_OPTION}: fix it, or delete it to have new keys created."
        )
    _check_key_id(key_id, str(path))
    return Credentials(key_id, secret)


def _create(path: Path) -> Credentials:
    """Write new keys to a file that is owner-only from the moment it exists (O_EXCL: never
    over another's), in one write so a concurrent reader hardly sees it half-written."""
    credentials = new_credentials()
    text = (
        "# The keys trimtab's server accepts. Use them as an AWS profile, e.g. copy this\n"
        "# section into ~/.aws/credentials, or pass them to boto3.client(...).\n"
        f"[{SECTION}]\n"
        f"{ACCESS_KEY_OPTION} = {credentials.access_key_id}\n"
        f"{SECRET_KEY_OPTION} = {credentials.secret_access_key}\n"
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise
    except OSError as error:
        raise CredentialsError(f"Cannot create {path}: {error.strerror}.") from None
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    return credentials


def _check_key_id(key_id: str, source: str) -> None:
    if not _KEY_ID.fullmatch(key_id):
        raise CredentialsError(
            f"The access key id from {source} may hold only letters, digits, '_', '.' and '-', "
            f"got '{key_id}'."
        )
