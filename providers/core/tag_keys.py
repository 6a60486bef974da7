"""Every ``gapfill:*`` tag key, in one place (the module is not called ``tags`` so that it
never shadows the many locals of that name).

Tags are how a provider recognises what it made (rule 6: nothing that is not ours is
touched) and how a repeated request recognises its first attempt (rule 7). A key written by
one module and read by another must be the same string, and a key renamed must still be read
under its old name while resources tagged with it exist; both are easier to keep right when
every key is declared here and nowhere else. User tags never start with :data:`PREFIX`, so
the keys a template declares and the ones gapfill keeps apart never mix.
"""

from __future__ import annotations

from collections.abc import Mapping

PREFIX = "gapfill:"

#: What a create request made, so that a repeated request adopts it instead of failing on a
#: duplicate name (Connect has no ClientToken on most creating APIs). The one idempotency tag.
CREATE_TOKEN = "gapfill:create-token"  # noqa: S105 - a tag key, not a secret
#: The idempotency tag ``Custom::ConnectUser`` wrote before :data:`CREATE_TOKEN` was the only
#: one: still read, never written, so users and secrets made by older versions are recognised.
LEGACY_CLIENT_TOKEN = "gapfill:client-token"  # noqa: S105 - a tag key, not a secret
TOKEN_KEYS = (CREATE_TOKEN, LEGACY_CLIENT_TOKEN)

#: On a Connect user: the ARN of its generated password secret.
PASSWORD_SECRET = "gapfill:password-secret"  # noqa: S105 - a tag key, not a secret
#: On a password secret: ``<instance id>/<username>`` it holds the password of.
CONNECT_USER = "gapfill:connect-user"
#: On a password secret: the ARN of the user it was bound to once the user existed.
CONNECT_USER_ARN = "gapfill:connect-user-arn"
#: On users and secrets of a ``Custom::ConnectUserDirectory``: the directory's owner value.
DIRECTORY = "gapfill:directory"
#: On directory users: the digest of the identity fields SearchUsers does not return.
IDENTITY_DIGEST = "gapfill:identity-digest"
#: On an adopted contact flow: the version holding the content found at adoption.
ADOPTED_VERSION = "gapfill:adopted-version"
#: On a Firehose stream: who started its server-side encryption.
ENCRYPTION_STARTED_BY = "gapfill:encryption-started-by"
#: On an RDS snapshot taken before a migration: the first migration it precedes.
BEFORE_MIGRATION = "gapfill:before-migration"
#: Added to a resource's Tags by the local rehearsal to force an in-place update.
REHEARSAL = "gapfill:rehearsal"
#: On stacks ``gapfill deploy`` made.
DEPLOYED_BY = "gapfill:deployed-by"


def is_gapfill_key(key: str) -> bool:
    return str(key).startswith(PREFIX)


def user_tags(tags: Mapping[str, str] | None) -> dict[str, str]:
    """The tags a template may declare and change: every key but gapfill's own."""
    return {k: v for k, v in (tags or {}).items() if not is_gapfill_key(k)}


def carries_token(tags: Mapping[str, str] | None, token: str) -> bool:
    """Whether a resource's tags say that the request of ``token`` made it, under the
    current idempotency key or the legacy one."""
    return bool(token) and any((tags or {}).get(key) == token for key in TOKEN_KEYS)
