"""Bot API failures, carried up to the HTTP layer as Telegram's error envelope."""


class BotApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def bad_request(reason: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {reason}")
