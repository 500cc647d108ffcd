"""Keep aiogram's parametrised response models alive.

aiogram validates every Bot API answer as `Response[method.__returning__]`. pydantic caches
parametrised generic models only weakly, so without a strong reference each call rebuilds the
model class, which cost more CPU than the rest of a Bot API call. Building them once at
start-up (about 60 ms) and holding them here makes each lookup a cache hit.
"""

from __future__ import annotations

import inspect

import aiogram.methods
from aiogram.methods.base import Response, TelegramMethod

_PINNED: dict[object, type] = {}


def pin_response_models() -> int:
    for method in vars(aiogram.methods).values():
        if inspect.isclass(method) and issubclass(method, TelegramMethod):
            returning = getattr(method, "__returning__", None)
            if method is not TelegramMethod and returning not in _PINNED:
                _PINNED[returning] = Response[returning]
    return len(_PINNED)
