"""Telegram's HTML parse_mode: tags become entities, the text is stored plain.

Mirrors TDLib's parser closely enough that markup Telegram rejects is rejected
here too (unknown tags, a bare "<", unbalanced tags), with the same wording.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request

_ENTITY_TYPES = {
    "b": "bold", "strong": "bold",
    "i": "italic", "em": "italic",
    "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler",
    "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass
class _Open:
    tag: str
    attrs: dict[str, str]
    offset: int  # UTF-16 offset in the plain text
    start: int  # index into the output chunks
    extra: dict[str, Any] = field(default_factory=dict)


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fail(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode("utf-8"))


def _decode_entity(src: str, pos: int) -> tuple[str, int] | None:
    """Decode "&...;" at pos; None means "not an entity, keep the '&' literally"."""
    end = pos + 1
    n = len(src)
    if end < n and src[end] == "#":
        end += 1
        base, digits = (16, "0123456789abcdefABCDEF") if src.startswith("x", end) else (10, "0123456789")
        if base == 16:
            end += 1
        start = end
        while end < n and src[end] in digits:
            end += 1
        if start == end or end - pos >= 10:
            return None
        code = int(src[start:end], base)
        if code == 0 or code >= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        char = chr(code)
    else:
        while end < n and src[end].isascii() and src[end].isalpha():
            end += 1
        char = _NAMED.get(src[pos + 1:end], "")
        if not char:
            return None
    if end < n and src[end] == ";":
        end += 1
    return char, end


def _parse_attrs(src: str, i: int, begin: int, tag: str) -> tuple[dict[str, str], int]:
    """Parse attributes after the tag name; returns them and the index after '>'."""
    attrs: dict[str, str] = {}
    n = len(src)
    while True:
        while i < n and src[i].isspace():
            i += 1
        if i >= n:
            raise _fail(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        if src[i] == ">":
            return attrs, i + 1
        start = i
        while i < n and not src[i].isspace() and src[i] not in "=>":
            i += 1
        name = src[start:i].lower()
        if not name:
            raise _fail(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {_byte_offset(src, begin)}"
            )
        while i < n and src[i].isspace():
            i += 1
        if i >= n or src[i] != "=":
            attrs[name] = ""  # bare attribute, e.g. <blockquote expandable>
            continue
        i += 1
        while i < n and src[i].isspace():
            i += 1
        if i >= n:
            raise _fail(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
        if src[i] in "'\"":
            quote, i, value = src[i], i + 1, []
            while i < n and src[i] != quote:
                decoded = _decode_entity(src, i) if src[i] == "&" else None
                if decoded:
                    value.append(decoded[0])
                    i = decoded[1]
                else:
                    value.append(src[i])
                    i += 1
            if i >= n:
                raise _fail(f"Unclosed start tag at byte offset {_byte_offset(src, begin)}")
            i += 1
            attrs[name] = "".join(value)
        else:
            start = i
            while i < n and (src[i].isalnum() or src[i] in ".-"):
                i += 1
            if i < n and not src[i].isspace() and src[i] != ">":
                raise _fail(f"Unexpected end of name token at byte offset {_byte_offset(src, start)}")
            attrs[name] = src[start:i].lower()


def _entity(node: _Open, length: int, inner: str) -> dict[str, Any]:
    kind = _ENTITY_TYPES[node.tag]
    entity: dict[str, Any] = {"type": kind, "offset": node.offset, "length": length}
    if node.tag == "a":
        entity["url"] = node.attrs.get("href") or inner
    elif node.tag == "pre" and node.extra.get("language"):
        entity["language"] = node.extra["language"]
    elif node.tag == "blockquote" and "expandable" in node.attrs:
        entity["type"] = "expandable_blockquote"
    elif node.tag == "tg-emoji":
        entity["custom_emoji_id"] = node.attrs.get("emoji-id", "")
    return entity


def parse_html(src: str) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, entities with UTF-16 offsets) or raise a 400 ApiError."""
    out: list[str] = []
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    utf16 = 0
    i, n = 0, len(src)
    while i < n:
        char = src[i]
        if char == "&":
            decoded = _decode_entity(src, i)
            if decoded:
                out.append(decoded[0])
                utf16 += _u16(decoded[0])
                i = decoded[1]
                continue
        if char != "<":
            out.append(char)
            utf16 += _u16(char)
            i += 1
            continue
        begin = i
        if i + 1 < n and src[i + 1] == "/":
            j = i + 2
            while j < n and not src[j].isspace() and src[j] != ">":
                j += 1
            name = src[i + 2:j].lower()
            while j < n and src[j].isspace():
                j += 1
            if not stack:
                raise _fail(f"Unexpected end tag at byte offset {_byte_offset(src, begin)}")
            if j >= n or src[j] != ">":
                raise _fail(f"Unclosed end tag at byte offset {_byte_offset(src, begin)}")
            node = stack.pop()
            if name and name != node.tag:
                raise _fail(
                    f"Unmatched end tag at byte offset {_byte_offset(src, begin)}, "
                    f'expected "</{node.tag}>", found "</{name}>"'
                )
            length = utf16 - node.offset
            language = node.attrs.get("class", "")
            if node.tag == "code" and stack and stack[-1].tag == "pre" and language.startswith("language-"):
                stack[-1].extra["language"] = language.removeprefix("language-")
            elif length > 0:
                entities.append(_entity(node, length, "".join(out[node.start:])))
            i = j + 1
            continue
        j = i + 1
        while j < n and not src[j].isspace() and src[j] != ">":
            j += 1
        tag = src[i + 1:j].lower()
        if tag not in _ENTITY_TYPES:
            raise _fail(f'Unsupported start tag "{tag}" at byte offset {_byte_offset(src, begin)}')
        attrs, i = _parse_attrs(src, j, begin, tag)
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise _fail('Tag "span" must have class "tg-spoiler"')
        stack.append(_Open(tag, attrs, utf16, len(out)))
    if stack:
        raise _fail(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities
