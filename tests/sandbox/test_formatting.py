"""Telegram's HTML parse mode: text and entities out, Telegram's error texts for bad input."""

import pytest

from shipbot.domain.telegram_html import (
    EntityParseError,
    command_entities,
    parse_html,
    strip_text,
    utf16_len,
)


def test_nested_tags_become_entities_with_utf16_offsets() -> None:
    text, entities = parse_html("😀 <b>bold <i>both</i></b> <code>x</code>")
    assert text == "😀 bold both x"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 9},
        {"type": "italic", "offset": 8, "length": 4},
        {"type": "code", "offset": 13, "length": 1},
    ]


def test_character_references_are_decoded_and_unknown_ones_kept() -> None:
    text, entities = parse_html("a &lt;b&gt; &amp; &quot;c&quot; &#36;5 &#x263A; &nbsp;")
    assert text == 'a <b> & "c" $5 ☺ &nbsp;'
    assert entities == []


def test_links_pre_with_language_and_spoilers() -> None:
    source = (
        '<a href="https://example.com/?a=1&amp;b=2">site</a> '
        '<pre><code class="language-python">print(1)</code></pre> '
        '<span class="tg-spoiler">hidden</span> <blockquote expandable>quote</blockquote>'
    )
    text, entities = parse_html(source)
    assert text == "site print(1) hidden quote"
    assert entities == [
        {"type": "text_link", "offset": 0, "length": 4, "url": "https://example.com/?a=1&b=2"},
        {"type": "pre", "offset": 5, "length": 8, "language": "python"},
        {"type": "spoiler", "offset": 14, "length": 6},
        {"type": "expandable_blockquote", "offset": 21, "length": 5},
    ]


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("<foo>x</foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("Ann <3 Bob", 'Unsupported start tag "3" at byte offset 4'),
        ("price < 5", 'Unsupported start tag "" at byte offset 6'),
        ("é<script>", 'Unsupported start tag "script" at byte offset 2'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>bold</i>", 'Unmatched end tag at byte offset 7, expected "</b>", found "</i>"'),
        ("bold</b>", "Unexpected end tag at byte offset 4"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<span class="x">y</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
    ],
)
def test_invalid_html_is_rejected_like_telegram(source: str, reason: str) -> None:
    with pytest.raises(EntityParseError) as caught:
        parse_html(source)
    assert str(caught.value) == reason


def test_surrounding_whitespace_is_trimmed_and_entities_follow() -> None:
    text, entities = parse_html("\n  <b>Hi</b> there  \n")
    assert strip_text(text, entities) == ("Hi there", [{"type": "bold", "offset": 0, "length": 2}])


def test_user_commands_get_bot_command_entities() -> None:
    assert command_entities("/start") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert command_entities("😀 /new@shipbot_sandbox_bot now") == [
        {"type": "bot_command", "offset": 3, "length": 24}
    ]
    assert command_entities("see https://x.org/path and a/b") == []


def test_utf16_length_counts_surrogate_pairs() -> None:
    assert utf16_len("a😀я") == 4
