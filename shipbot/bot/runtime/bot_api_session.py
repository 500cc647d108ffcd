"""Bot API requests as JSON bodies where no file is sent.

aiogram's aiohttp session sends every call as multipart form data, each object parameter
serialised on its own; building and parsing the form cost more CPU than the rest of a call.
Telegram takes the same parameters as one JSON object, so only calls that upload a file
(a label's PDF) still go as a form.
"""

from __future__ import annotations

import json
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientError


def method_params(bot: Bot, method: TelegramMethod, files: dict[str, Any]) -> dict[str, Any]:
    """The method's parameters as JSON values, prepared as aiogram prepares them for a form
    (defaults resolved, dates as timestamps, files collected in `files`); unset ones left out."""
    params = {}
    for name, value in method.model_dump(warnings=False).items():
        prepared = bot.session.prepare_value(value, bot=bot, files=files, _dumps_json=False)
        if prepared is not None:
            params[name] = prepared
    return params


class JsonBodySession(AiohttpSession):
    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        files: dict[str, Any] = {}
        params = method_params(bot, method, files)
        if files:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        url = self.api.api_url(token=bot.token, method=method.__api_method__)
        body = json.dumps(params, ensure_ascii=False).encode()
        # The same errors as aiogram's form requests, so callers see no difference.
        try:
            async with session.post(
                url,
                data=body,
                headers={"Content-Type": "application/json"},
                timeout=self.timeout if timeout is None else timeout,
            ) as response:
                content = await response.text()
        except TimeoutError as error:
            raise TelegramNetworkError(method=method, message="Request timeout error") from error
        except ClientError as error:
            message = f"{type(error).__name__}: {error}"
            raise TelegramNetworkError(method=method, message=message) from error
        return self.check_response(
            bot=bot, method=method, status_code=response.status, content=content
        ).result
