"""Passwords for CONNECT_MANAGED users, generated to Amazon Connect's policy.

Connect requires 8-64 characters with at least one uppercase letter, one lowercase letter
and one digit. Generated passwords use only letters, digits and a few punctuation marks
that survive CSVs, shells and JSON unescaped, so an operator can copy one from Secrets
Manager without surprises. ``secrets`` (not ``random``) is the only source of randomness.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
    return json.dumps({"InstanceId": instance_id, "Username": username, "Password": password})


# -- protection of the password secrets --------------------------------------------------------
_ASSUMED_ROLE = re.compile(r"^arn:(aws[a-z-]*):sts::(\d{12}):assumed-role/([^/]+)/.+$")


@dataclass(frozen=True)
class SecretProtection:
    """How a password secret is protected: the KMS key that encrypts it (None: Secrets
    Manager's ``aws/secretsmanager`` key) and who besides the provider may read it."""

    kms_key_id: str | None = None
    #: IAM principal ARNs (wildcards allowed) that may read the password. Empty: any
    #: principal of this account whose IAM policy allows it, no other account.
    readers: tuple[str, ...] = ()

    @classmethod
    def from_properties(cls, properties: Mapping[str, Any]) -> SecretProtection:
        key = str(properties.get("PasswordKmsKeyId") or "").strip() or None
        return cls(key, tuple(str(r) for r in properties.get("PasswordReaders") or ()))

    def create_options(self) -> dict[str, str]:
        """Extra CreateSecret parameters."""
        return {"KmsKeyId": self.kms_key_id} if self.kms_key_id else {}


def caller_role_arns(caller_arn: str) -> list[str]:
    """IAM ARNs that ``aws:PrincipalArn`` takes for the caller (an assumed role's session).

    STS names the role without its path, so both the path-less ARN and any path match."""
    match = _ASSUMED_ROLE.match(caller_arn)
    if not match:
        return [caller_arn]
    partition, account, role = match.groups()
    return [f"arn:{partition}:iam::{account}:role/{role}", f"arn:{partition}:iam::{account}:role/*/{role}"]


def resource_policy(protection: SecretProtection, caller_arn: str) -> str:
    """The secret's resource policy: reading the password is denied to every principal but
    the provider's role and the named readers (or, with no readers named, to every principal
    of another account). Writing and deleting stay with IAM, so nobody is locked out."""
    account = caller_arn.split(":")[4]
    condition: dict[str, dict[str, str | list[str]]]
    if protection.readers:
        condition = {
            "StringNotLike": {"aws:PrincipalArn": [*caller_role_arns(caller_arn), *protection.readers]}
        }
    else:
        condition = {"StringNotEquals": {"aws:PrincipalAccount": account}}
    statement: dict[str, Any] = {
        "Sid": "PasswordReadersOnly",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
        "Condition": condition,
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, sort_keys=True)


class SecretGuard:
    """Puts the resource policy on password secrets; asks STS who the provider is once."""

    def __init__(self, secrets_client: Any, sts_client: Any, protection: SecretProtection) -> None:
        self.secrets = secrets_client
        self.sts = sts_client
        self.protection = protection
        self._caller = ""

    def protect(self, secret_id: str) -> None:
        """Public policies are refused by AWS (BlockPublicPolicy)."""
        if not self._caller:
            self._caller = str(self.sts.get_caller_identity()["Arn"])
        policy = resource_policy(self.protection, self._caller)
        self.secrets.put_resource_policy(SecretId=secret_id, ResourcePolicy=policy, BlockPublicPolicy=True)
