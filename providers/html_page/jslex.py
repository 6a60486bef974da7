"""Where an offset sits in JavaScript source: code, a string, a template literal, a comment
or a regular expression. Pure, no I/O.

The renderer only lets a value into script as a complete literal (``|js`` or ``|json``), and
a complete literal is safe only where an expression may stand: inside a quoted string a
``'`` in the value ends the string, inside a comment ``*/`` or a line break ends it. This is
not a JavaScript parser; it is the lexical layer that decides those five states, which is
what the safety rule needs. The one ambiguity of JavaScript lexing (``/`` as division or as
the start of a regular expression) is decided from the previous significant token, as
engines do in practice.
"""

from __future__ import annotations

import re

CODE = "code"
STRING = "string"
TEMPLATE = "template literal"
COMMENT = "comment"
REGEX = "regular expression"

#: After these keywords an expression starts, so ``/`` opens a regular expression.
_REGEX_AFTER_WORDS = frozenset(
    [
        "return",
        "typeof",
        "instanceof",
        "in",
        "of",
        "new",
        "delete",
        "void",
        "throw",
        "case",
        "do",
        "else",
        "yield",
        "await",
    ]
)
_WORD = re.compile(r"[A-Za-z0-9_$\u0080-\uffff]+")
_LINE_END = "\n\r\u2028\u2029"


class _Lexer:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.spans: list[tuple[int, int, str]] = []
        self.braces: list[str] = []  # "code" for a plain {, "template" for a ${
        self.regex_ok = True

    def run(self) -> list[tuple[int, int, str]]:
        while self.pos < len(self.src):
            self._step()
        return self.spans

    def _step(self) -> None:
        src, ch = self.src, self.src[self.pos]
        two = src[self.pos : self.pos + 2]
        if ch in "'\"":
            self._string(ch)
        elif ch == "`":
            self._template(self.pos + 1, self.pos)
        elif two == "//":
            self._until_line_end()
        elif two == "/*":
            end = src.find("*/", self.pos + 2)
            end = len(src) if end < 0 else end + 2
            self.spans.append((self.pos, end, COMMENT))
            self.pos = end
        elif ch == "/" and self.regex_ok:
            self._regex()
        elif ch.isspace():
            self.pos += 1
        else:
            self._token(ch)

    def _token(self, ch: str) -> None:
        word = _WORD.match(self.src, self.pos)
        if word:
            self.regex_ok = word.group(0) in _REGEX_AFTER_WORDS
            self.pos = word.end()
            return
        self.pos += 1
        if ch == "{":
            self.braces.append(CODE)
        elif ch == "}" and self.braces and self.braces.pop() == TEMPLATE:
            self._template(self.pos, self.pos - 1)
            return
        self.regex_ok = ch not in ")]}"

    def _until_line_end(self) -> None:
        end = self.pos
        while end < len(self.src) and self.src[end] not in _LINE_END:
            end += 1
        self.spans.append((self.pos, end, COMMENT))
        self.pos = end

    def _string(self, quote: str) -> None:
        start, i = self.pos, self.pos + 1
        while i < len(self.src) and self.src[i] != quote and self.src[i] not in _LINE_END:
            i += 2 if self.src[i] == "\\" else 1
        self.pos = min(i + 1, len(self.src))
        self.spans.append((start, self.pos, STRING))
        self.regex_ok = False

    def _template(self, i: int, start: int) -> None:
        """Template text from ``i`` to the closing backtick or the next ``${``."""
        while i < len(self.src):
            if self.src[i] == "\\":
                i += 2
            elif self.src[i] == "`":
                self.spans.append((start, i + 1, TEMPLATE))
                self.pos, self.regex_ok = i + 1, False
                return
            elif self.src.startswith("${", i):
                self.spans.append((start, i + 2, TEMPLATE))
                self.braces.append(TEMPLATE)
                self.pos, self.regex_ok = i + 2, True
                return
            else:
                i += 1
        self.spans.append((start, len(self.src), TEMPLATE))
        self.pos = len(self.src)

    def _regex(self) -> None:
        start, i, in_class = self.pos, self.pos + 1, False
        while i < len(self.src) and self.src[i] not in _LINE_END:
            ch = self.src[i]
            if ch == "\\":
                i += 1
            elif ch == "[":
                in_class = True
            elif ch == "]":
                in_class = False
            elif ch == "/" and not in_class:
                break
            i += 1
        flags = _WORD.match(self.src, i + 1)
        self.pos = flags.end() if flags else min(i + 1, len(self.src))
        self.spans.append((start, self.pos, REGEX))
        self.regex_ok = False


def state_at(source: str, offsets: list[int]) -> dict[int, str]:
    """The lexical state at each offset: :data:`CODE` or what the offset is inside of."""
    spans = _Lexer(source).run()
    found: dict[int, str] = {}
    for offset in offsets:
        found[offset] = next((kind for start, end, kind in spans if start < offset < end), CODE)
    return found
