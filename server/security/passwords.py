"""argon2id password hashing (argon2-cffi: audited, maintained, OWASP's first choice),
and the password policy: length, and not a breached or guessable pattern."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 defaults
# Verified against when the email is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("hubnity-timing-equalizer")

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256
_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
# Decorations people add to a common word: "Password123!", "!!letmein2024".
_DECORATION = re.compile(r"^[\d\W_]*(.*?)[\d\W_]*$")


class WeakPasswordError(ValueError):
    pass


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(x.strip().lower() for x in lines if x.strip() and not x.startswith("#"))


def _is_common(password: str) -> bool:
    lowered = password.lower()
    common = common_passwords()
    if lowered in common:
        return True
    core = _DECORATION.match(lowered)
    word = core.group(1) if core else lowered
    return len(word) >= 4 and (word in common or f"{word}1" in common or word == "password")


def check_password_policy(password: str, *, personal: tuple[str, ...] = ()) -> None:
    """Raises WeakPasswordError with the reason. `personal`: the account's email
    and name, which a password must not be built on."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise WeakPasswordError(f"password must be at most {MAX_PASSWORD_LENGTH} characters")
    if len(set(password)) < 4:
        raise WeakPasswordError("password must use at least 4 different characters")
    if _is_common(password):
        raise WeakPasswordError(
            "password is one of the most common (breached) passwords; choose another"
        )
    lowered = password.lower()
    for value in personal:
        part = value.lower().split("@")[0].strip()
        if len(part) >= 4 and part in lowered:
            raise WeakPasswordError("password must not contain your name or email address")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# argon2id costs ~64 MiB and tens of milliseconds to seconds of CPU (several
# cores: its lanes run in threads, outside the GIL). Run on the event loop, every
# request of the process would wait behind it: a morning of sign-ins stalled all
# syncs (docs/benchmarks.md, "Capacity"). So hashes run on one thread per process,
# one at a time: the loop keeps serving, and memory stays bounded in a storm.
_HASHING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="argon2")


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    """`verify_password` off the event loop (one hash at a time per process)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_HASHING, verify_password, password_hash, password)


async def hash_password_async(password: str) -> str:
    """`hash_password` off the event loop (one hash at a time per process)."""
    return await asyncio.get_running_loop().run_in_executor(_HASHING, hash_password, password)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
