"""Email addresses as RFC 5322 section 3.4.1 defines an ``addr-spec``, restricted to the forms
mail systems and AWS accept in practice: ``local-part "@" domain`` where the local part is a
``dot-atom`` (``atext`` runs separated by single dots; RFC 5322 section 3.2.3 lists ``atext``
as letters, digits and ``!#$%&'*+-/=?^_`{|}~``) and the domain is a DNS host name (RFC 1035
labels of letters, digits and inner hyphens, at most 63 characters each, at least two
labels, the last alphabetic). Quoted local parts, comments and address literals are legal in
RFC 5322 but refused here: no agent directory needs them and they are how markup such as
``<script>@x.y`` would get through. Lengths follow RFC 5321 section 4.5.3.1: a local part of
at most 64 octets and a path of at most 256 (an address of at most 254 characters).

One grammar for the whole project: the schema's ``format: email`` and the CSV's Email columns.
"""

from __future__ import annotations

import re

_ATEXT = r"[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]"
_DOT_ATOM = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = rf"(?:{_LABEL}\.)+[A-Za-z]{{2,63}}"
_ADDRESS = re.compile(rf"(?P<local>{_DOT_ATOM})@(?P<domain>{_DOMAIN})")
MAX_LOCAL = 64
MAX_ADDRESS = 254


def is_email(value: object) -> bool:
    """Is ``value`` an ``addr-spec`` of the grammar above (the whole string, nothing around it)?"""
    if not isinstance(value, str) or len(value) > MAX_ADDRESS:
        return False
    found = _ADDRESS.fullmatch(value)
    return found is not None and len(found["local"]) <= MAX_LOCAL
