"""What a broadcast is made of and who it goes to (SPEC §3.7): the rules checked before
anything is stored or sent, the recipients' states and the retry policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from shipbot.domain.telegram_html import EntityParseError, parse_html, strip_text, utf16_len

MAX_TEXT = 4096  # Telegram's limit on a message's text
MAX_CAPTION = 1024  # and on a photo's or document's caption
MAX_BUTTONS = 8
MAX_BUTTON_TEXT = 64
MAX_MEDIA_BYTES = 10 * 1024 * 1024  # Telegram takes photos up to 10 MB from bots
MAX_DAYS = 3650
# Other errors are retried this many times in all, waiting longer each time.
MAX_ATTEMPTS = 4
RETRY_BASE = timedelta(seconds=2)
_BUTTON_SCHEMES = ("https://", "http://", "tg://")


class BroadcastError(ValueError):
    """Bad input: str() says what to fix."""


class AudienceKind(StrEnum):
    ALL = "all"
    ACTIVE = "active"  # seen in the last `days` days
    WITH_BALANCE = "balance"
    BUYERS = "buyers"  # bought at least one label
    LANGUAGE = "language"


class MediaKind(StrEnum):
    PHOTO = "photo"
    DOCUMENT = "document"


class BroadcastState(StrEnum):
    SENDING = "sending"
    PAUSED = "paused"
    CANCELLED = "cancelled"
    DONE = "done"


class RecipientState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    BLOCKED = "blocked"  # blocked the bot, or the chat is gone: marked on the user, skipped
    FAILED = "failed"


@dataclass(frozen=True)
class Audience:
    kind: AudienceKind
    days: int | None = None
    language: str | None = None

    @classmethod
    def of(cls, kind: str, days: str | int | None, language: str | None) -> Audience:
        try:
            chosen = AudienceKind(kind)
        except ValueError:
            raise BroadcastError(f"unknown audience {kind!r}") from None
        if chosen is AudienceKind.ACTIVE:
            try:
                number = int(days or 0)
            except ValueError:
                raise BroadcastError("the number of days must be a whole number") from None
            if not 1 <= number <= MAX_DAYS:
                raise BroadcastError(f"the number of days must be between 1 and {MAX_DAYS}")
            return cls(chosen, days=number)
        if chosen is AudienceKind.LANGUAGE:
            code = (language or "").strip().lower()
            if not code.isalpha() or not 2 <= len(code) <= 8:
                raise BroadcastError("choose a language code such as en or ru")
            return cls(chosen, language=code)
        return cls(chosen)

    def as_json(self) -> dict:
        return {"kind": self.kind.value, "days": self.days, "language": self.language}

    @classmethod
    def from_json(cls, data: dict) -> Audience:
        return cls(AudienceKind(data["kind"]), data.get("days"), data.get("language"))


@dataclass(frozen=True)
class Button:
    text: str
    url: str


@dataclass(frozen=True)
class Media:
    kind: MediaKind
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Content:
    text: str  # Telegram HTML
    buttons: tuple[Button, ...] = ()
    media: Media | None = None


def check_html(text: str) -> tuple[str, list[dict]]:
    """The plain text and entities Telegram makes of `text`; BroadcastError names the fault."""
    try:
        return strip_text(*parse_html(text))
    except EntityParseError as error:
        raise BroadcastError(f"the text is not valid Telegram HTML: {error}") from None


def check_content(content: Content) -> Content:
    plain, _ = check_html(content.text)
    limit = MAX_CAPTION if content.media else MAX_TEXT
    if not plain and content.media is None:
        raise BroadcastError("write the message's text")
    if utf16_len(plain) > limit:
        what = "a caption" if content.media else "a message"
        raise BroadcastError(f"the text is longer than Telegram allows for {what} ({limit})")
    if len(content.buttons) > MAX_BUTTONS:
        raise BroadcastError(f"at most {MAX_BUTTONS} buttons")
    for button in content.buttons:
        if not button.text.strip() or len(button.text) > MAX_BUTTON_TEXT:
            raise BroadcastError(f"a button needs a text of 1-{MAX_BUTTON_TEXT} characters")
        if not button.url.startswith(_BUTTON_SCHEMES) or any(c.isspace() for c in button.url):
            raise BroadcastError(f"the button {button.text!r} needs an https:// link")
    if content.media is not None:
        if not content.media.data:
            raise BroadcastError("the uploaded file is empty")
        if len(content.media.data) > MAX_MEDIA_BYTES:
            raise BroadcastError("the file is larger than 10 MB")
    return content


def parse_buttons(lines: str) -> tuple[Button, ...]:
    """One button a line, as `Text | https://link`."""
    buttons = []
    for line in lines.splitlines():
        if not line.strip():
            continue
        text, bar, url = line.partition("|")
        if not bar:
            raise BroadcastError(f"write the button as 'Text | https://link': {line.strip()!r}")
        buttons.append(Button(text.strip(), url.strip()))
    return tuple(buttons)


def retry_delay(attempts: int, base: timedelta = RETRY_BASE) -> timedelta:
    """After the `attempts`-th failure: 2 s, 4 s, 8 s..."""
    return base * (2 ** (attempts - 1))
