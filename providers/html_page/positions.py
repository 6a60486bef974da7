"""Where each placeholder of a template lands in the HTML, as a browser would parse it.

The renderer replaces every placeholder with an alphanumeric sentinel, tokenises the result
with the standard library's HTML tokenizer (elements, attributes, comments, declarations,
raw-text elements) and reads each start tag's raw text with the attribute states of the
HTML tokenizer, so that it knows for each sentinel: text, a quoted or unquoted attribute of
a given name, a tag or attribute name, script (and the JavaScript state there), CSS, a
comment. A sentinel that no handler saw (an end tag, a bogus comment) is reported as
markup, so anything this module does not understand is refused rather than guessed.
Pure: no AWS, no I/O.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from providers.html_page import jslex

TEXT = "text"
ATTRIBUTE = "attribute"
URL = "url attribute"
SCRIPT = "script"
HANDLER = "event handler"
REFUSED = "refused"

#: Attributes whose value a browser follows or loads as a URL (on any element: SVG and
#: MathML put href on elements HTML does not).
URL_ATTRIBUTES = frozenset(
    [
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "poster",
        "cite",
        "data",
        "background",
        "codebase",
        "manifest",
        "longdesc",
        "lowsrc",
        "dynsrc",
        "usemap",
        "icon",
        "profile",
        "classid",
        "archive",
    ]
)
#: Attribute values no escaping makes safe: CSS, a nested document, URL lists, values that
#: change how the element is interpreted.
_REFUSED_ATTRIBUTES = {
    "style": "CSS (the style attribute)",
    "srcdoc": "a nested HTML document (srcdoc)",
    "srcset": "a list of URLs (srcset)",
    "imagesrcset": "a list of URLs (imagesrcset)",
    "ping": "a list of URLs (ping)",
    "attributename": "the name of the attribute an SVG animation sets",
    "http-equiv": "the http-equiv of a meta element",
}
_REFUSED_ELEMENT_ATTRIBUTES = {
    ("script", "type"): "the type of a script element (it decides whether the text runs)",
    ("script", "language"): "the language of a script element",
    ("meta", "content"): "the content of a meta element (http-equiv refresh follows it as a URL)",
}
#: Every attribute of these elements is refused: SVG animations can set href to any value,
#: plugin elements load and run what their attributes name.
_REFUSED_ELEMENTS = frozenset(
    ["set", "animate", "animatemotion", "animatetransform", "object", "embed", "applet", "param"]
)
#: Elements whose content the browser reads as raw text; script is checked, the rest refused.
_RAW_TEXT = {
    "style": "inside the <style> element (CSS)",
    "xmp": "inside the <xmp> element (raw text)",
    "iframe": "inside the <iframe> element (raw text)",
    "noembed": "inside the <noembed> element (raw text)",
    "noframes": "inside the <noframes> element (raw text)",
    "noscript": "inside the <noscript> element (raw text when scripting is on)",
    "plaintext": "inside the <plaintext> element (raw text)",
}
#: Escapable raw text: entities are decoded but no tags are seen, so HTML escaping is right.
_RCDATA = frozenset(("title", "textarea"))


@dataclass
class Slot:
    """The position of one placeholder: a context and what the renderer needs to check it."""

    context: str
    where: str
    attribute: str = ""
    #: For URL attributes: the attribute's raw value with sentinels, checked once filled in.
    raw_value: str = ""
    #: For script and handlers: the JavaScript lexical state at the placeholder.
    js_state: str = ""


@dataclass
class _Attribute:
    name: str
    name_span: tuple[int, int]
    value_span: tuple[int, int] | None = None
    quoted: bool = False


@dataclass
class _Tag:
    name: str
    name_span: tuple[int, int]
    attributes: list[_Attribute] = field(default_factory=list)


_SPACE = " \t\n\r\f"


def scan_start_tag(raw: str) -> _Tag:
    """Tag name and attributes of one start tag, with the spans of names and values.

    Follows the HTML tokenizer's tag-name, attribute-name and attribute-value states (the
    part of the HTML standard that decides where a name or a value ends)."""
    i = 1
    while i < len(raw) and raw[i] not in _SPACE + "/>":
        i += 1
    tag = _Tag(raw[1:i].lower(), (1, i))
    while i < len(raw):
        while i < len(raw) and raw[i] in _SPACE + "/":
            i += 1
        if i >= len(raw) or raw[i] == ">":
            break
        start = i
        i += 1  # a first "=" belongs to the name
        while i < len(raw) and raw[i] not in _SPACE + "/>=":
            i += 1
        attribute = _Attribute(raw[start:i].lower(), (start, i))
        tag.attributes.append(attribute)
        j = i
        while j < len(raw) and raw[j] in _SPACE:
            j += 1
        if j >= len(raw) or raw[j] != "=":
            continue
        i = j + 1
        while i < len(raw) and raw[i] in _SPACE:
            i += 1
        if i < len(raw) and raw[i] in "\"'":
            end = raw.find(raw[i], i + 1)
            end = len(raw) if end < 0 else end
            attribute.value_span, attribute.quoted, i = (i + 1, end), True, end + 1
        else:
            start = i
            while i < len(raw) and raw[i] not in _SPACE + ">":
                i += 1
            attribute.value_span = (start, i)
    return tag


class _Tokenizer(HTMLParser):
    CDATA_CONTENT_ELEMENTS = ("script", *_RAW_TEXT, *_RCDATA)  # type: ignore[misc]

    def __init__(self, sentinel: re.Pattern[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.sentinel = sentinel
        self.slots: dict[int, Slot] = {}
        self._raw_element = ""
        self._script: list[str] = []
        self._after_plaintext = False

    def _found(self, text: str) -> list[tuple[int, int]]:
        """(index, offset) of each sentinel in text."""
        return [(int(m.group(1)), m.start()) for m in self.sentinel.finditer(text)]

    def _put(self, text: str, slot: Slot) -> None:
        for index, _ in self._found(text):
            self.slots.setdefault(index, slot)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or ""
        if self._after_plaintext:
            self._put(raw, Slot(REFUSED, _RAW_TEXT["plaintext"]))
            return
        self._tag(raw)
        if tag in self.CDATA_CONTENT_ELEMENTS:
            self._raw_element = tag
            self._script = []
        if tag == "plaintext":
            self._after_plaintext = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # Browsers ignore the "/" of <script/>: the raw text starts all the same.
        self.handle_starttag(tag, attrs)
        if tag in self.CDATA_CONTENT_ELEMENTS:
            self.set_cdata_mode(tag)

    def _tag(self, raw: str) -> None:
        tag = scan_start_tag(raw)
        self._put(raw[slice(*tag.name_span)], Slot(REFUSED, "in a tag name"))
        for attribute in tag.attributes:
            in_name = Slot(REFUSED, f"in the attribute name of <{tag.name}>")
            self._put(raw[slice(*attribute.name_span)], in_name)
            if attribute.value_span is None:
                continue
            value = raw[slice(*attribute.value_span)]
            for index, offset in self._found(value):
                self.slots.setdefault(index, self._attribute_slot(tag.name, attribute, value, offset))

    def _attribute_slot(self, element: str, attribute: _Attribute, value: str, offset: int) -> Slot:
        name = attribute.name
        where = f"in the {name} attribute of <{element}>"
        if not attribute.quoted:
            return Slot(REFUSED, f'{where}, which is not quoted (write {name}="...")', name)
        reason = _REFUSED_ATTRIBUTES.get(name) or _REFUSED_ELEMENT_ATTRIBUTES.get((element, name))
        if element in _REFUSED_ELEMENTS:
            reason = f"an attribute of <{element}>"
        if reason:
            return Slot(REFUSED, f"{where}: {reason}", name)
        if name.startswith("on"):
            state = jslex.state_at(html.unescape(value), [offset])[offset]
            return Slot(HANDLER, where, name, js_state=state)
        if name in URL_ATTRIBUTES:
            return Slot(URL, where, name, raw_value=value)
        return Slot(ATTRIBUTE, where, name)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw_element:
            self._close_raw()

    def _close_raw(self) -> None:
        element, text = self._raw_element, "".join(self._script)
        self._raw_element, self._script = "", []
        if element == "script":
            self._script_slots(text)
        elif element in _RCDATA:
            self._put(text, Slot(TEXT, f"in the text of <{element}>"))
        else:
            self._put(text, Slot(REFUSED, _RAW_TEXT[element]))

    def _script_slots(self, text: str) -> None:
        if "<!--" in text:
            reason = "inside a <script> that contains '<!--' (browsers parse it differently)"
            self._put(text, Slot(REFUSED, reason))
            return
        for index, state in self._js_states(text).items():
            self.slots.setdefault(index, Slot(SCRIPT, "inside <script>", js_state=state))

    def _js_states(self, text: str) -> dict[int, str]:
        """The JavaScript state of each sentinel, read both as raw text (HTML script) and with
        character references decoded (SVG and MathML script): code only if code in both."""
        states: dict[int, str] = {}
        for variant in (text, html.unescape(text)):
            found = self._found(variant)
            lexed = jslex.state_at(variant, [offset for _, offset in found])
            for index, offset in found:
                if states.get(index, jslex.CODE) == jslex.CODE:
                    states[index] = lexed[offset]
        return states

    def handle_data(self, data: str) -> None:
        if self._raw_element:
            self._script.append(data)
        elif self._after_plaintext:
            self._put(data, Slot(REFUSED, _RAW_TEXT["plaintext"]))
        else:
            self._put(data, Slot(TEXT, "in text"))

    def handle_comment(self, data: str) -> None:
        self._put(data, Slot(REFUSED, "inside an HTML comment"))

    def handle_decl(self, decl: str) -> None:
        self._put(decl, Slot(REFUSED, "inside a <!...> declaration"))

    def unknown_decl(self, data: str) -> None:
        self._put(data, Slot(REFUSED, "inside a <![...]> section"))

    def handle_pi(self, data: str) -> None:
        self._put(data, Slot(REFUSED, "inside a <?...> processing instruction"))

    def close(self) -> None:
        super().close()
        if self._raw_element:  # an element left open at the end: the browser reads to the end
            self._close_raw()


def slots(template: str, sentinel: re.Pattern[str], count: int) -> dict[int, Slot]:
    """The slot of each of ``count`` sentinels (``sentinel`` captures the index)."""
    tokenizer = _Tokenizer(sentinel)
    tokenizer.feed(template)
    tokenizer.close()
    found = tokenizer.slots
    for index in range(count):
        found.setdefault(index, Slot(REFUSED, "inside markup (an end tag or a malformed tag)"))
    return found
