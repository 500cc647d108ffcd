"""read_body: a body over its limit is refused before it is read, or as soon as it passes it."""

from __future__ import annotations

import pytest
from fastapi import HTTPException, Request

from shipbot.web.bodies import read_body

CHUNK = b"x" * 1024


class ClientBody:
    """A client sending `chunks` chunks (by default far past any limit here): counts how many
    the server asked for."""

    def __init__(self, chunks: int = 10_000) -> None:
        self.chunks = chunks
        self.received = 0

    async def __call__(self) -> dict:
        self.received += 1
        return {"type": "http.request", "body": CHUNK, "more_body": self.received < self.chunks}


def request(receive: ClientBody, content_length: str | None = None) -> Request:
    headers = [(b"content-length", content_length.encode())] if content_length else []
    return Request({"type": "http", "method": "POST", "headers": headers}, receive)


async def test_a_declared_length_over_the_limit_is_refused_before_reading():
    client = ClientBody()
    with pytest.raises(HTTPException) as refused:
        await read_body(request(client, content_length=str(200 * 1024 * 1024)), limit=4096)
    assert refused.value.status_code == 413
    assert client.received == 0


@pytest.mark.parametrize("content_length", [None, "10", "not-a-number", "9" * 5000])
async def test_reading_stops_at_the_first_chunk_past_the_limit(content_length):
    client = ClientBody()
    with pytest.raises(HTTPException) as refused:
        await read_body(request(client, content_length), limit=4 * len(CHUNK))
    assert refused.value.status_code == 413
    assert client.received == 5


async def test_a_body_up_to_the_limit_is_read_whole():
    body = await read_body(request(ClientBody(chunks=4)), limit=4 * len(CHUNK))
    assert body == CHUNK * 4
