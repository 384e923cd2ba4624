"""The server's keys: from the environment, or from an owner-only file created on first use."""

from __future__ import annotations

import configparser
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from trimtab.errors import TrimtabError
from trimtab.server.credentials import (
    ACCESS_KEY_ENV,
    SECRET_KEY_ENV,
    Credentials,
    CredentialsError,
    load_credentials,
)

NO_ENV: dict[str, str] = {}


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """umask 0, so that only the mode given to os.open keeps the file private."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_keys_from_the_environment(tmp_path: Path) -> None:
    env = {ACCESS_KEY_ENV: "TTAKFROMENV000000000", SECRET_KEY_ENV: "s3cr%t/with+chars"}
    credentials = load_credentials(tmp_path, env)
    assert credentials == Credentials("TTAKFROMENV000000000", "s3cr%t/with+chars")
    assert not credentials.created
    assert credentials.as_mapping() == {"TTAKFROMENV000000000": "s3cr%t/with+chars"}
    assert not (tmp_path / "credentials").exists()


def test_environment_wins_over_the_file(tmp_path: Path) -> None:
    from_file = load_credentials(tmp_path, NO_ENV)
    env = {ACCESS_KEY_ENV: "TTAKFROMENV000000000", SECRET_KEY_ENV: "secret"}
    assert load_credentials(tmp_path, env).access_key_id != from_file.access_key_id


@pytest.mark.parametrize(
    ("given", "missing"), [(ACCESS_KEY_ENV, SECRET_KEY_ENV), (SECRET_KEY_ENV, ACCESS_KEY_ENV)]
)
def test_one_variable_alone_is_refused(tmp_path: Path, given: str, missing: str) -> None:
    with pytest.raises(CredentialsError) as caught:
        load_credentials(tmp_path, {given: "TTAKVALUE00000000000", missing: ""})
    assert f"{given} is set but {missing} is not" in caught.value.message
    assert isinstance(caught.value, TrimtabError)
    assert not (tmp_path / "credentials").exists()


def test_access_key_id_that_would_break_the_authorization_header_is_refused(
    tmp_path: Path,
) -> None:
    with pytest.raises(CredentialsError, match="may hold only letters"):
        load_credentials(tmp_path, {ACCESS_KEY_ENV: "TTAK/ID", SECRET_KEY_ENV: "secret"})


@pytest.mark.usefixtures("permissive_umask")
def test_first_load_creates_an_owner_only_file_and_later_loads_reuse_it(tmp_path: Path) -> None:
    home = tmp_path / "not" / "yet" / "there"
    created = load_credentials(home, NO_ENV)
    path = home / "credentials"
    assert created.created
    assert mode_of(path) == 0o600
    again = load_credentials(home, NO_ENV)
    assert not again.created
    assert (again.access_key_id, again.secret_access_key) == (
        created.access_key_id,
        created.secret_access_key,
    )
    assert again == created  # `created` is not part of the keys' identity


def test_created_file_is_an_aws_style_profile(tmp_path: Path) -> None:
    created = load_credentials(tmp_path, NO_ENV)
    parser = configparser.ConfigParser()
    parser.read(tmp_path / "credentials")
    assert parser["default"]["aws_access_key_id"] == created.access_key_id
    assert parser["default"]["aws_secret_access_key"] == created.secret_access_key


def test_new_keys_look_like_aws_keys_and_differ_each_time(tmp_path: Path) -> None:
    first = load_credentials(tmp_path / "a", NO_ENV)
    second = load_credentials(tmp_path / "b", NO_ENV)
    for keys in (first, second):
        assert re.fullmatch(r"TTAK[A-Z0-9]{16}", keys.access_key_id)
        assert re.fullmatch(r"[A-Za-z0-9]{40}", keys.secret_access_key)
    assert first.access_key_id != second.access_key_id
    assert first.secret_access_key != second.secret_access_key


def test_repr_does_not_show_the_secret(tmp_path: Path) -> None:
    credentials = load_credentials(tmp_path, NO_ENV)
    assert credentials.secret_access_key not in repr(credentials)
    assert credentials.access_key_id in repr(credentials)


def test_empty_variables_count_as_unset(tmp_path: Path) -> None:
    assert load_credentials(tmp_path, {ACCESS_KEY_ENV: "", SECRET_KEY_ENV: ""}).created


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_file_open_to_group_or_others_is_refused(tmp_path: Path, mode: int) -> None:
    load_credentials(tmp_path, NO_ENV)
    path = tmp_path / "credentials"
    path.chmod(mode)
    with pytest.raises(CredentialsError) as caught:
        load_credentials(tmp_path, NO_ENV)
    assert str(path) in caught.value.message
    assert f"chmod 600 {path}" in caught.value.message
    path.chmod(0o600)
    assert not load_credentials(tmp_path, NO_ENV).created


def test_a_file_written_by_hand_is_read(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(
            "[default]\naws_access_key_id = TTAKBYHAND0000000000\n"
            "aws_secret_access_key = 100%secret\n"
        )
    credentials = load_credentials(tmp_path, NO_ENV)
    assert credentials == Credentials("TTAKBYHAND0000000000", "100%secret")
    assert not credentials.created


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("not an ini file\n", "is not a valid credentials file"),
        ("[other]\naws_access_key_id = A\naws_secret_access_key = B\n", "needs a [default]"),
        ("[default]\naws_access_key_id = TTAKONLYID0000000000\n", "aws_secret_access_key"),
    ],
)
def test_a_broken_file_is_refused_with_what_to_fix(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "credentials"
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text)
    with pytest.raises(CredentialsError) as caught:
        load_credentials(tmp_path, NO_ENV)
    assert words in caught.value.message
    assert str(path) in caught.value.message
