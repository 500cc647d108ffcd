"""Request bodies read up to a limit, so a caller cannot make the server hold a huge body."""

from __future__ import annotations

from fastapi import HTTPException, Request, status


async def read_body(request: Request, limit: int) -> bytes:
    """The body, or 413 as soon as it is known to be over `limit` bytes.

    A declared Content-Length over the limit is refused before anything is read; otherwise
    (chunked, or a Content-Length that lies) reading stops at the first chunk past the limit.
    """
    try:
        declared = int(request.headers.get("content-length", "0"))
    except ValueError:  # not a number: the bytes that arrive decide
        declared = 0
    if declared > limit:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large() -> HTTPException:
    return HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "request body too large")
