"""argon2 runs off the event loop: a sign-in must not stall every other request
of its server process (the capacity bench saw syncs wait seconds behind sign-ins)."""

from __future__ import annotations

import asyncio

from server.security.passwords import hash_password_async, verify_password_async

PASSWORD = "correct horse battery 42"


async def _spin_while(task: asyncio.Future[object]) -> int:
    """How many times the loop ran other work while `task` was pending."""
    turns = 0
    while not task.done():
        turns += 1
        await asyncio.sleep(0)
    return turns


async def test_hash_and_verify_leave_the_loop_free() -> None:
    hashing = asyncio.ensure_future(hash_password_async(PASSWORD))
    assert await _spin_while(hashing) > 1
    stored = hashing.result()
    assert stored.startswith("$argon2id$")

    verifying = asyncio.ensure_future(verify_password_async(stored, PASSWORD))
    assert await _spin_while(verifying) > 1
    assert verifying.result() is True
    assert await verify_password_async(stored, "wrong password 42") is False
    assert await verify_password_async(None, PASSWORD) is False  # unknown account


async def test_concurrent_sign_ins_all_verify() -> None:
    stored = await hash_password_async(PASSWORD)
    results = await asyncio.gather(
        *(verify_password_async(stored, PASSWORD if i % 2 else "nope nope 1") for i in range(4))
    )
    assert results == [False, True, False, True]
