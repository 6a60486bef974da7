"""Passwords for CONNECT_MANAGED users, generated to Amazon Connect's policy.

Connect requires 8-64 characters with at least one uppercase letter, one lowercase letter
and one digit. Generated passwords use only letters, digits and a few punctuation marks
that survive CSVs, shells and JSON unescaped, so an operator can copy one from Secrets
Manager without surprises. ``secrets`` (not ``random``) is the only source of randomness.
"""

from __future__ import annotations

import re
import secrets
import string

MIN_LENGTH = 8
MAX_LENGTH = 64
DEFAULT_LENGTH = 24
_SYMBOLS = "-_.!#%+="
_ALPHABET = string.ascii_letters + string.digits + _SYMBOLS
_POLICY = re.compile(r"^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[a-zA-Z\d\S]{8,64}$")


def meets_policy(password: str) -> bool:
    """True when Connect would accept ``password`` for a CONNECT_MANAGED user."""
    return bool(_POLICY.match(password))


def generate_password(length: int = DEFAULT_LENGTH) -> str:
    """A fresh password of ``length`` characters that meets Connect's policy.

    One character of each required class is placed at a random position and the rest are
    drawn from the whole alphabet, so the classes are guaranteed without a retry loop.
    """
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise ValueError(f"password length must be between {MIN_LENGTH} and {MAX_LENGTH}")
    chars = [
        secrets.choice(string.ascii_uppercase),
        secrets.choice(string.ascii_lowercase),
        secrets.choice(string.digits),
    ]
    chars += [secrets.choice(_ALPHABET) for _ in range(length - len(chars))]
    for index in range(len(chars) - 1, 0, -1):  # Fisher-Yates with a CSPRNG
        swap = secrets.randbelow(index + 1)
        chars[index], chars[swap] = chars[swap], chars[index]
    return "".join(chars)


#: Secrets Manager names of generated passwords: ``gapfill/connect/<instance id>/<username>``.
SECRET_PREFIX = "gapfill/connect"  # noqa: S105 - a name prefix, not a password


def secret_name(instance_id: str, username: str) -> str:
    """One secret per user, named so that an operator finds an agent's password by username."""
    return f"{SECRET_PREFIX}/{instance_id}/{username}"


def secret_string(instance_id: str, username: str, password: str) -> str:
    """The secret's JSON: the password with what it opens, for whoever hands it over."""
    import json

    return json.dumps({"InstanceId": instance_id, "Username": username, "Password": password})
