"""What CreateUser accepts, by the instance's identity management type, as Amazon Connect's
API reference documents it (https://docs.aws.amazon.com/connect/latest/APIReference/API_CreateUser.html):

* ``Username``: "For instances not using SAML for identity management, the user name can
  include up to 20 characters. If you are using SAML for identity management, the user name
  can include up to 64 characters from [a-zA-Z0-9_-.\\@]+." and "Username can include @ only
  if used in an email format" (``testuser@example`` is given as incorrect). The character set
  is applied to CONNECT_MANAGED users too (the console's own rule); EXISTING_DIRECTORY names
  come from the directory, so only whitespace is refused there.
* ``IdentityInfo``: "FirstName and LastName are required if you are using Amazon Connect or
  SAML for identity management", and "Email is required if you are using SAML". (A newer
  wording of the page lists Email for Amazon Connect identity management too; it is not
  required here, so existing directories without an Email column keep working.)

Checked before any write, by the agent directory (per CSV row, with its line) and by
``Custom::ConnectUser``, so a row that AWS would refuse never costs a call or half a sync.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from providers.core.email_address import is_email

SAML = "SAML"
_SOURCE = "(CreateUser)"
_CHARSET = re.compile(r"[A-Za-z0-9_.@-]+")


def max_username_length(identity_type: str) -> int:
    return 64 if identity_type == SAML else 20


def username_problem(username: str, identity_type: str) -> str | None:
    """Why CreateUser would refuse ``username`` on an instance of ``identity_type``, or None."""
    if not username:
        return "Username is empty"
    limit = max_username_length(identity_type)
    if len(username) > limit:
        return (
            f"Username '{username[:80]}' is {len(username)} characters; {identity_type} usernames are "
            f"at most {limit} characters {_SOURCE}"
        )
    if identity_type == "EXISTING_DIRECTORY":
        if any(c.isspace() or ord(c) < 32 for c in username):
            return f"Username '{username}' contains whitespace"
    elif not _CHARSET.fullmatch(username):
        return (
            f"Username '{username}' may only use letters, digits and _-.@ in a {identity_type} "
            f"instance {_SOURCE}"
        )
    if "@" in username and not is_email(username):
        return f"Username '{username}' may contain '@' only in an email address {_SOURCE}"
    return None


def required_identity(identity_type: str) -> tuple[str, ...]:
    if identity_type == SAML:
        return ("FirstName", "LastName", "Email")
    if identity_type == "CONNECT_MANAGED":
        return ("FirstName", "LastName")
    return ()


def identity_problems(identity: Mapping[str, str], identity_type: str) -> list[str]:
    """Every IdentityInfo field CreateUser requires for ``identity_type`` that is empty."""
    return [
        f"{name} is required for {identity_type} instances {_SOURCE}"
        for name in required_identity(identity_type)
        if not str(identity.get(name) or "").strip()
    ]
