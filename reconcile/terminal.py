"""Text for a terminal: what reconcile prints about files (their names, headers, values
quoted in messages) is shown, never obeyed.

A file name or a header can hold control characters: an escape sequence (ESC) that
recolours or clears the terminal, a carriage return that overwrites the line it is on,
or a bidirectional override (U+202E) that shows `report.csv` as something else. Each is
shown escaped, the way Python writes it (`\\x1b`, `\\r`, `\\u202e`), so that the reader
sees exactly what the file holds. Line breaks stay: messages have several lines.
"""

from __future__ import annotations

import json
import re

# C0 controls but the line break and the tab, DEL, C1 controls, and the characters that
# change the direction of the text around them or separate lines unseen.
_UNSAFE = [chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0)) if chr(c) not in "\n\t"]
_UNSAFE += ["\u061c", "\u200e", "\u200f", "\u2028", "\u2029"]
_UNSAFE += [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))]
_ESCAPES = str.maketrans({c: repr(c)[1:-1] for c in _UNSAFE})
# In JSON text, the same characters as \u escapes: the JSON still holds the same values.
_JSON_UNSAFE = re.compile("[" + "".join(re.escape(c) for c in _UNSAFE) + "]")


def shown(text: str) -> str:
    """`text` with every control and direction character escaped (line breaks kept)."""
    return text.translate(_ESCAPES)


def json_shown(value: object) -> str:
    """`value` as indented JSON whose text holds no control or direction character:
    those inside strings are written as \\u escapes, which any JSON reader turns back."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group(0)):04x}", text)
