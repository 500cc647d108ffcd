"""Run the Bot API emulator on its own: python -m shipbot.sandbox --host 127.0.0.1 --port 8081."""

import argparse
import logging
import os

import uvicorn

from shipbot.sandbox.app import create_emulator_app
from shipbot.sandbox.emulator import SANDBOX_TOKEN, BotApiEmulator


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m shipbot.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--token",
        default=os.environ.get("SANDBOX_BOT_TOKEN", SANDBOX_TOKEN),
        help="the one token the emulator accepts (default: $SANDBOX_BOT_TOKEN or a sandbox token)",
    )
    parser.add_argument(
        "--api-delay-ms", type=float, default=0, help="latency added to every Bot API call"
    )
    parser.add_argument(
        "--global-limit",
        type=int,
        default=None,
        help="Telegram's flood limit: sends per second for the bot (about 30; default: none)",
    )
    parser.add_argument(
        "--chat-limit",
        type=int,
        default=None,
        help="Telegram's flood limit: sends per second to one chat (about 1; default: none)",
    )
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    args = parser.parse_args()

    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    try:
        emulator = BotApiEmulator(
            args.token,
            api_delay_ms=args.api_delay_ms,
            global_per_second=args.global_limit,
            chat_per_second=args.chat_limit,
        )
    except ValueError as exc:
        parser.error(str(exc))
    base = f"http://{args.host}:{args.port}"
    logging.getLogger("shipbot.sandbox").info(
        "Bot API at %s/sandbox/botapi, chat page at %s/sandbox", base, base
    )
    uvicorn.run(
        create_emulator_app(emulator),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
        # The chat page and getUpdates hold long polls open; do not wait them out on Ctrl+C.
        timeout_graceful_shutdown=3,
    )


if __name__ == "__main__":
    main()
