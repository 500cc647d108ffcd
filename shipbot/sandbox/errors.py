"""Bot API failures, carried up to the HTTP layer as Telegram's error envelope."""

BLOCKED_BY_USER = "Forbidden: bot was blocked by the user"


class BotApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        # Telegram's ResponseParameters, e.g. {"retry_after": 3} with a 429.
        self.parameters = parameters


def bad_request(reason: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {reason}")


def too_many_requests(retry_after: int) -> BotApiError:
    return BotApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )
