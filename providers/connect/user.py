"""``Custom::ConnectUser``: one Amazon Connect agent (AWS::Connect::User's shape, plus
profiles and groups by name and a generated password kept in Secrets Manager).

The user's writes are :mod:`providers.connect.users` (shared with the agent directory).
Connect's CreateUser takes no client token, so a repeated request is recognised by a tag:
the user carries ``gapfill:create-token`` (derived from stack, logical id and RequestId;
users made by older versions carry ``gapfill:client-token``, still recognised).
A DuplicateResourceException on a user that carries our token is the first attempt's user,
adopted; one without it belongs to someone else and is never touched. The password secret
carries the same token, so the repeat uses the password the first attempt set.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers.connect import arns, directory, pacing, passwords, resolve, user_read, user_rules, users
from providers.connect.directory import ActualUser, DesiredUser, normal_phone
from providers.core import tag_keys
from providers.core.aws import error_code
from providers.core.errors import ProviderError, made
from providers.core.provider import Provider, ReadResult, Result

_REFERENCES = (
    ("routing-profile", "RoutingProfileArn", "RoutingProfile"),
    ("agent-group", "HierarchyGroupArn", "HierarchyGroup"),
)


def _identity(value: Any) -> dict[str, str]:
    """IdentityInfo without empty fields, so that absent and empty compare equal."""
    keys = ("FirstName", "LastName", "Email", "SecondaryEmail", "Mobile")
    value = value or {}
    return {k: str(value[k]) for k in keys if value.get(k) not in (None, "")}


def _check_documented_rules(username: str, identity: dict[str, str], identity_type: str) -> None:
    """CreateUser's documented rules for this instance's identity type (providers.connect.user_rules),
    answered before any write with the property they concern."""
    problems = []
    rule = user_rules.username_problem(username, identity_type)
    if rule:
        problems.append(f"Username: {rule}")
    problems.extend(f"IdentityInfo.{p}" for p in user_rules.identity_problems(identity, identity_type))
    if problems:
        raise ProviderError("; ".join(problems))


def _user_tags(props: dict[str, Any]) -> dict[str, str]:
    return {str(t["Key"]): str(t["Value"]) for t in props.get("Tags") or []}


class ConnectUser(Provider):
    resource_type = "Custom::ConnectUser"
    max_wait_seconds = 600.0

    # -- plumbing ------------------------------------------------------------------------
    def call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        return pacing.paced(self.client("connect"), pacing.DEFAULT_RATE)(operation, **kwargs)

    @property
    def instance_id(self) -> str:
        return arns.instance_id_of(str(self.properties["InstanceArn"]))

    def _references(self, instance_id: str) -> tuple[str, list[str], str | None]:
        """Routing profile, security profiles and hierarchy group ids, from names or ARNs."""
        props = self.properties
        resolver = resolve.Resolver(self.call, instance_id)

        def one(kind: str, value: str, prop: str) -> str:
            try:
                return resolver(kind, value)
            except resolve.ResolveError as exc:
                raise ProviderError(f"{prop}: {exc}") from None

        ids: dict[str, str | None] = {}
        for kind, native, extra in _REFERENCES:
            prop = native if props.get(native) else extra
            value = props.get(prop)
            ids[kind] = one(kind, str(value), prop) if value else None
        prop = "SecurityProfileArns" if props.get("SecurityProfileArns") else "SecurityProfiles"
        security = [one("security-profile", str(v), prop) for v in props.get(prop) or []]
        routing = ids["routing-profile"]
        if not routing:
            raise ProviderError("RoutingProfile: give RoutingProfileArn or RoutingProfile")
        if not security:
            raise ProviderError("SecurityProfiles: give SecurityProfileArns or SecurityProfiles")
        return routing, list(dict.fromkeys(security)), ids["agent-group"]

    def _desired(self, instance_id: str) -> DesiredUser:
        """The user the template describes, with its references resolved to ids."""
        props = self.properties
        routing, security, group = self._references(instance_id)
        return DesiredUser(
            line=0,
            username=str(props["Username"]),
            identity=_identity(props.get("IdentityInfo")),
            phone=normal_phone(props.get("PhoneConfig") or {}),
            routing_profile_id=routing,
            security_profile_ids=frozenset(security),
            hierarchy_group_id=group,
            directory_user_id=props.get("DirectoryUserId") or None,
        )

    def _identity_type(self, instance_id: str) -> str:
        described = self.call("describe_instance", InstanceId=instance_id)["Instance"]
        return str(described.get("IdentityManagementType", "CONNECT_MANAGED"))

    def _data(self, arn: str, secret_arn: str) -> dict[str, Any]:
        return {"UserArn": arn, "UserId": arn.rsplit("/", 1)[-1], "PasswordSecretArn": secret_arn}

    # -- create --------------------------------------------------------------------------
    def create(self) -> Result:
        props = self.properties
        instance_id = self.instance_id
        username = str(props["Username"])
        identity_type = self._identity_type(instance_id)
        _check_documented_rules(username, _identity(props.get("IdentityInfo")), identity_type)
        want = self._desired(instance_id)
        token = self.client_token("user")
        tags = {**_user_tags(props), tag_keys.CREATE_TOKEN: token}
        password = props.get("Password")
        secret: _Secret | None = None
        if password is None and identity_type == "CONNECT_MANAGED":
            secret = _Secret(self, instance_id, username, token)
            password = secret.prepare()
            tags[tag_keys.PASSWORD_SECRET] = secret.arn
        if password is not None:
            self.keep_secret(str(password))
        try:
            created = users.create(
                self.call,
                instance_id,
                want,
                tags,
                lambda found: tag_keys.carries_token(found, token),
                password=None if password is None else str(password),
                abandon=secret.abandon if secret is not None else None,
            )
        except users.NotOursError:
            raise ProviderError(
                f"Username: a user named '{username}' already exists in instance {instance_id} "
                "and was not created by this resource; it was left untouched"
            ) from None
        if created.adopted is not None:
            self.log.info(
                "adopted the user made by an earlier attempt of this request", extra={"phase": "create"}
            )
        if secret is not None:
            with made(created.arn):  # the user exists: a failure here must still get it deleted
                secret.bind(created.arn)
        return Result(created.arn, self._data(created.arn, secret.arn if secret else ""))

    # -- update --------------------------------------------------------------------------
    def _check_update(self) -> None:
        """What an update cannot change, refused (or warned about) before any call."""
        props, old = self.properties, self.old_properties
        if (props.get("DirectoryUserId") or None) != (old.get("DirectoryUserId") or None):
            raise ProviderError(
                "DirectoryUserId: is set when the user is created; change Username to replace the user"
            )
        if props.get("Password") != old.get("Password"):
            self.log.warning(
                "Password changed in the template: it is set only when the user is created; not applied",
                extra={"phase": "update"},
            )

    def update(self) -> Result:
        arn = str(self.physical_id)
        parsed = arns.parse_arn(arn)
        if parsed is None or parsed.kind != "agent":
            raise ProviderError(f"the physical id '{arn}' is not a Connect user ARN")
        instance_id, user_id = parsed.instance_id, parsed.resource_id
        self._check_update()
        try:
            user = self.call("describe_user", InstanceId=instance_id, UserId=user_id)["User"]
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                raise ProviderError(f"user {arn} no longer exists in the instance") from None
            raise
        want = self._desired(instance_id)
        parts = directory.changed_parts(want, ActualUser.from_describe(user))
        if "identity" in parts:
            # The rules depend on the identity type; checked before the first write of the update.
            username = str(user.get("Username") or want.username)
            _check_documented_rules(username, dict(want.identity), self._identity_type(instance_id))
        users.update(self.call, instance_id, user_id, want, parts)
        self._update_tags(arn, user.get("Tags") or {})
        return Result(arn, self._data(arn, str((user.get("Tags") or {}).get(tag_keys.PASSWORD_SECRET, ""))))

    def _update_tags(self, arn: str, actual: dict[str, str]) -> None:
        """The template's tags: only keys it declares (or declared) change, gapfill's never."""
        to_set, to_remove = arns.tag_changes(tag_keys.user_tags(actual), _user_tags(self.properties))
        if to_remove:
            self.call("untag_resource", resourceArn=arn, tagKeys=to_remove)
        if to_set:
            self.call("tag_resource", resourceArn=arn, tags=to_set)

    # -- read (providers.connect.user_read) ---------------------------------------------
    NOT_READ = user_read.NOT_READ

    def read(self) -> ReadResult | None:
        return user_read.read(self, tag_keys.PASSWORD_SECRET)

    def list_ids(self) -> list[str]:
        return user_read.list_ids(self, self.instance_id)

    def desired_read(self) -> dict[str, Any]:
        return user_read.desired(self, self.instance_id)

    # -- delete --------------------------------------------------------------------------
    def delete(self) -> None:
        arn = str(self.physical_id)
        parsed = arns.parse_arn(arn)
        if parsed is None or parsed.kind != "agent":
            self.log.info("physical id is not a user ARN: nothing to delete", extra={"phase": "delete"})
            return
        sm = self.client("secretsmanager")

        def bound_to_this_user(tags: Mapping[str, str]) -> bool:
            return tags.get(tag_keys.CONNECT_USER_ARN) == arn

        try:
            user = self.call("describe_user", InstanceId=parsed.instance_id, UserId=parsed.resource_id)[
                "User"
            ]
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            user = None
        if user is not None:
            secret_arn = (user.get("Tags") or {}).get(tag_keys.PASSWORD_SECRET)
            if secret_arn:
                users.delete_secret_if(sm, str(secret_arn), bound_to_this_user)
            users.delete(self.call, parsed.instance_id, parsed.resource_id)
        elif self.properties.get("Username"):
            # The user is gone already; its secret may not be (an earlier delete was cut short).
            name = passwords.secret_name(parsed.instance_id, str(self.properties["Username"]))
            users.delete_secret_if(sm, name, bound_to_this_user)


class _Secret:
    """The generated password's secret, through the create's steps.

    ``prepare`` makes the secret (or finds the one an earlier attempt of the same request
    made, and reuses its password); ``bind`` tags it with the user's ARN once the user
    exists; ``abandon`` deletes a secret this attempt made when the user could not be made.
    """

    def __init__(self, provider: ConnectUser, instance_id: str, username: str, token: str) -> None:
        self.provider = provider
        self.sm = provider.client("secretsmanager")
        self.instance_id = instance_id
        self.username = username
        self.token = token
        self.name = passwords.secret_name(instance_id, username)
        self.arn = ""
        self.made = False
        self.password = ""
        self.overwrite = False
        self.protection = passwords.SecretProtection.from_properties(provider.properties)

    def _protect(self) -> None:
        passwords.SecretGuard(self.sm, self.provider.client("sts"), self.protection).protect(self.arn)

    def _tags(self) -> dict[str, str]:
        return {
            tag_keys.CREATE_TOKEN: self.token,
            tag_keys.CONNECT_USER: f"{self.instance_id}/{self.username}",
        }

    def prepare(self) -> str:
        self.password = passwords.generate_password()
        self.provider.keep_secret(self.password)
        opened = users.open_secret(
            self.sm,
            self.name,
            passwords.secret_string(self.instance_id, self.username, self.password),
            f"Amazon Connect password of {self.username} (gapfill Custom::ConnectUser)",
            self._tags(),
            self.protection,
        )
        self.arn, self.made = opened.arn, opened.made
        if opened.made:
            return self.password
        if tag_keys.carries_token(opened.tags, self.token):
            self.password = users.stored_password(self.sm, self.name)
            self.provider.keep_secret(self.password)
            return self.password
        if opened.tags.get(tag_keys.CONNECT_USER) != f"{self.instance_id}/{self.username}":
            raise ProviderError(
                f"Username: a secret named '{self.name}' exists and was not made by gapfill for this user"
            )
        # A gapfill secret for this username that outlived its user: reused only once the
        # new user exists (if the username is taken, CreateUser fails and it stays as is).
        self.overwrite = True
        return self.password

    def bind(self, user_arn: str) -> None:
        if self.overwrite:
            value = passwords.secret_string(self.instance_id, self.username, self.password)
            self.sm.put_secret_value(SecretId=self.arn, SecretString=value)
            self.sm.tag_resource(
                SecretId=self.arn, Tags=[{"Key": k, "Value": v} for k, v in self._tags().items()]
            )
        self.sm.tag_resource(SecretId=self.arn, Tags=[{"Key": tag_keys.CONNECT_USER_ARN, "Value": user_arn}])
        self._protect()

    def abandon(self) -> None:
        if self.made:
            self.sm.delete_secret(SecretId=self.arn, ForceDeleteWithoutRecovery=True)
