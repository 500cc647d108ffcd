"""Bot API request parameters, which arrive as JSON values or as strings from a form."""

import json
from dataclasses import dataclass
from typing import Any

from shipbot.sandbox.errors import bad_request


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


class Params:
    """Typed access to one call's parameters, coercing form strings as Telegram does."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.uploads = uploads or {}

    def loggable(self) -> dict[str, Any]:
        logged = dict(self.values)
        for name, upload in self.uploads.items():
            logged[name] = {"file_name": upload.filename, "size": len(upload.data)}
        return logged

    def string(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return json.dumps(value, ensure_ascii=False)

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad_request(f'field "{name}" must be of type Integer')
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be of type Integer') from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def json_value(self, name: str, reason: str) -> Any:
        """A JSON-typed parameter (reply_markup, entities...), which forms send as a string."""
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        if not value:
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(reason) from None

    def chat_id(self) -> int:
        value = self.values.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        try:
            return int(value)
        except (TypeError, ValueError):
            # "@username" addresses channels only; a private chat cannot be found that way.
            raise bad_request("chat not found") from None

    def input_file(self, name: str) -> Upload | str | None:
        """An uploaded file (directly or by "attach://<field>"), or a file_id / URL string."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.string(name)
        if value and value.startswith("attach://"):
            upload = self.uploads.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            return upload
        return value
