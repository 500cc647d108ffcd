"""Message text as Telegram stores it: plain text plus entities with UTF-16 offsets (used by
the sandbox emulator, and by broadcasts to check and preview an owner's text).

The HTML parser follows the rules (and the error texts) of Telegram's own parser, so that
a bot which forgets to escape user input fails in the sandbox exactly as it would live.
"""

import re
from dataclasses import dataclass

_SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_CHARACTERS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = frozenset(" \t\r\n\v\f")
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.-]*")
_LINK_SCHEMES = ("http://", "https://", "tg://", "ton://")
_BOT_COMMAND = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; str() is Telegram's reason."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset: int  # UTF-16 offset in the output where the tag's content starts
    start: int  # index in the output character list, for <a> without href


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Parse Telegram HTML into (text, entities), raising EntityParseError like Telegram."""
    out: list[str] = []
    entities: list[dict] = []
    stack: list[_OpenTag] = []
    offset = 0
    i = 0

    def at(k: int) -> str:
        return source[k] if k < len(source) else ""

    def byte_offset(k: int) -> int:
        return len(source[:k].encode("utf-8", "surrogatepass"))

    while i < len(source):
        char = source[i]
        if char == "&":
            decoded = _decode_character(source, i)
            if decoded is not None:
                char, i = decoded
                out.append(char)
                offset += utf16_len(char)
                continue
        if char != "<":
            out.append(char)
            offset += utf16_len(char)
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != "/":
            while at(i) and at(i) not in _SPACES and at(i) != ">":
                i += 1
            if not at(i):
                raise EntityParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            tag = source[begin + 1 : i].lower()
            if tag not in _SUPPORTED_TAGS:
                raise EntityParseError(
                    f'Unsupported start tag "{tag}" at byte offset {byte_offset(begin)}'
                )
            argument, i = _parse_attributes(source, i, tag, byte_offset(begin))
            if tag == "span" and argument != "spoiler":
                raise EntityParseError(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}'
                )
            stack.append(_OpenTag(tag, argument, offset, len(out)))
            i += 1  # past ">"
            continue

        if not stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {byte_offset(begin)}")
        while at(i) and at(i) not in _SPACES and at(i) != ">":
            i += 1
        end_name = source[begin + 2 : i].lower()
        while at(i) and at(i) in _SPACES:
            i += 1
        if at(i) != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
        i += 1
        opened = stack[-1]
        if end_name and end_name != opened.name:
            raise EntityParseError(
                f"Unmatched end tag at byte offset {byte_offset(begin)}, "
                f'expected "</{opened.name}>", found "</{end_name}>"'
            )
        if offset > opened.offset:
            _close_entity(
                opened, stack, offset - opened.offset, "".join(out[opened.start :]), entities
            )
        stack.pop()

    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _decode_character(source: str, i: int) -> tuple[str, int] | None:
    """Decode the character reference at source[i] == "&"; the ";" is optional, as in Telegram."""
    end = i + 1
    if source[end : end + 1] == "#":
        end += 1
        hexadecimal = source[end : end + 1] in ("x", "X")
        if hexadecimal:
            end += 1
        digits = re.match(r"[0-9A-Fa-f]*" if hexadecimal else r"[0-9]*", source[end:]).group()
        end += len(digits)
        code = int(digits, 16 if hexadecimal else 10) if digits and len(digits) < 9 else 0
        if code <= 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        name = re.match(r"[A-Za-z]*", source[end:]).group()
        end += len(name)
        if name not in _NAMED_CHARACTERS:
            return None
        char = _NAMED_CHARACTERS[name]
    if source[end : end + 1] == ";":
        end += 1
    return char, end


def _parse_attributes(source: str, i: int, tag: str, tag_byte_offset: int) -> tuple[str, int]:
    """Read attributes up to the closing ">"; return the one Telegram uses and the index of ">"."""

    def at(k: int) -> str:
        return source[k] if k < len(source) else ""

    argument = ""
    while at(i) != ">":
        while at(i) and at(i) in _SPACES:
            i += 1
        if at(i) == ">":
            break
        name_start = i
        while at(i) and at(i) not in _SPACES and at(i) not in "=>":
            i += 1
        name = source[name_start:i].lower()
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {tag_byte_offset}'
            )
        while at(i) and at(i) in _SPACES:
            i += 1
        if at(i) != "=":
            if not at(i):
                raise EntityParseError(f"Unclosed start tag at byte offset {tag_byte_offset}")
            if tag == "blockquote" and name == "expandable":
                argument = "1"
                continue
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {tag_byte_offset}"
            )
        i += 1
        while at(i) and at(i) in _SPACES:
            i += 1
        if not at(i):
            raise EntityParseError(f'Unclosed start tag "{tag}" at byte offset {tag_byte_offset}')
        if at(i) in "'\"":
            quote = at(i)
            close = source.find(quote, i + 1)
            if close < 0:
                raise EntityParseError(f"Unclosed start tag at byte offset {tag_byte_offset}")
            value = _decode_attribute(source[i + 1 : close])
            i = close + 1
        else:
            value = _NAME_TOKEN.match(source, i).group().lower()
            i += len(value)
            if at(i) not in _SPACES and at(i) != ">":
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset "
                    f"{len(source[:i].encode('utf-8', 'surrogatepass'))}"
                )
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value.removeprefix("language-")
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value.removeprefix("tg-")
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
    return argument, i


def _decode_attribute(raw: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(raw):
        decoded = _decode_character(raw, i) if raw[i] == "&" else None
        if decoded is None:
            out.append(raw[i])
            i += 1
        else:
            out.append(decoded[0])
            i = decoded[1]
    return "".join(out)


def _close_entity(
    opened: _OpenTag, stack: list[_OpenTag], length: int, inner_text: str, entities: list[dict]
) -> None:
    span = {"offset": opened.offset, "length": length}
    tag = opened.name
    if tag in _SIMPLE_ENTITIES:
        entities.append({"type": _SIMPLE_ENTITIES[tag], **span})
    elif tag == "a":
        url = opened.argument or inner_text
        if url.startswith(_LINK_SCHEMES):
            entities.append({"type": "text_link", **span, "url": url})
        elif re.fullmatch(r"[\w-]+(\.[\w-]+)+(/\S*)?", url):
            entities.append({"type": "text_link", **span, "url": f"http://{url}"})
        # Telegram silently drops links it cannot parse; so do we.
    elif tag == "code":
        parent = stack[-2] if len(stack) >= 2 else None
        if parent and parent.name == "pre" and parent.offset == opened.offset and opened.argument:
            entities.append({"type": "code", **span, "language": opened.argument})
        else:
            entities.append({"type": "code", **span})
    elif tag == "pre":
        last = entities[-1] if entities else None
        if (
            last
            and last["type"] == "code"
            and "language" in last
            and last["offset"] == opened.offset
            and last["length"] == length
        ):
            last["type"] = "pre"
        else:
            entities.append({"type": "pre", **span})
    elif tag == "blockquote":
        kind = "expandable_blockquote" if opened.argument else "blockquote"
        entities.append({"type": kind, **span})
    elif tag == "tg-emoji" and opened.argument.isdigit():
        entities.append({"type": "custom_emoji", **span, "custom_emoji_id": opened.argument})


def strip_text(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Trim surrounding whitespace as Telegram does, moving and clipping entities with it."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    limit = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, limit)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


def command_entities(text: str) -> list[dict]:
    """The bot_command entities Telegram attaches to a user's message."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: m.start()]),
            "length": utf16_len(m.group()),
        }
        for m in _BOT_COMMAND.finditer(text)
    ]
