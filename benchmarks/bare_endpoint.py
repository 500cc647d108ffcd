"""The ceiling: a FastAPI endpoint that only answers 200, served like `shipbot serve`."""

import argparse

import uvicorn
from fastapi import FastAPI, Response

app = FastAPI()


@app.post("/api/telegram/webhook")
async def webhook() -> Response:
    return Response(status_code=200)


@app.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
