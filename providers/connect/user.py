"""``Custom::ConnectUser``: one Amazon Connect agent (AWS::Connect::User's shape, plus
profiles and groups by name and a generated password kept in Secrets Manager).

Connect's CreateUser takes no client token, so a repeated request is recognised by a tag:
the user carries ``gapfill:client-token`` (derived from stack, logical id and RequestId).
A DuplicateResourceException on a user that carries our token is the first attempt's user,
adopted; one without it belongs to someone else and is never touched. The password secret
carries the same token, so the repeat uses the password the first attempt set.
"""

from __future__ import annotations

import json
import os
from typing import Any

from providers.connect import passwords, resolve, user_read, user_rules
from providers.connect.directory import normal_phone
from providers.connect.sync import limiter
from providers.core.aws import error_code
from providers.core.errors import ProviderError, made
from providers.core.provider import Provider, ReadResult, Result

TOKEN_TAG = "gapfill:client-token"  # noqa: S105 - a tag key
SECRET_TAG = "gapfill:password-secret"  # noqa: S105 - a tag key
USER_TAG = "gapfill:connect-user"
USER_ARN_TAG = "gapfill:connect-user-arn"
_REFERENCES = (
    ("routing-profile", "RoutingProfileArn", "RoutingProfile"),
    ("agent-group", "HierarchyGroupArn", "HierarchyGroup"),
)


def _rate() -> float:
    try:
        return max(0.1, float(os.environ.get("GAPFILL_CONNECT_RPS", "2")))
    except ValueError:
        return 2.0


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
        limiter(operation, _rate()).acquire()
        return dict(getattr(self.client("connect"), operation)(**kwargs))

    @property
    def instance_id(self) -> str:
        return resolve.instance_id_of(str(self.properties["InstanceArn"]))

    def _references(self, instance_id: str) -> tuple[str, list[str], str | None]:
        """Routing profile, security profiles and hierarchy group ids, from names or ARNs."""
        props = self.properties
        catalogs: dict[str, resolve.Catalog] = {}

        def one(kind: str, value: str, prop: str) -> str:
            if not value.startswith("arn:") and kind not in catalogs:
                catalogs[kind] = resolve.load_catalog(self.call, instance_id, kind)
            try:
                return resolve.resolve(value, kind, instance_id, catalogs.get(kind))
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

    def _find(self, instance_id: str, username: str) -> dict[str, Any] | None:
        found = self.call(
            "search_users",
            InstanceId=instance_id,
            MaxResults=10,
            SearchCriteria={
                "StringCondition": {"FieldName": "Username", "Value": username, "ComparisonType": "EXACT"}
            },
        )
        for item in found.get("Users", []):
            if str(item.get("Username", "")).casefold() == username.casefold():
                return dict(item)
        return None

    def _data(self, arn: str, secret_arn: str) -> dict[str, Any]:
        return {"UserArn": arn, "UserId": arn.rsplit("/", 1)[-1], "PasswordSecretArn": secret_arn}

    # -- create --------------------------------------------------------------------------
    def create(self) -> Result:
        props = self.properties
        instance_id = self.instance_id
        username = str(props["Username"])
        described = self.call("describe_instance", InstanceId=instance_id)["Instance"]
        identity_type = str(described.get("IdentityManagementType", "CONNECT_MANAGED"))
        _check_documented_rules(username, _identity(props.get("IdentityInfo")), identity_type)
        routing, security, group = self._references(instance_id)
        token = self.client_token("user")
        tags = {**_user_tags(props), TOKEN_TAG: token}
        password = props.get("Password")
        secret: _Secret | None = None
        if password is None and identity_type == "CONNECT_MANAGED":
            secret = _Secret(self, instance_id, username, token)
            password = secret.prepare()
            tags[SECRET_TAG] = secret.arn
        if password is not None:
            self.keep_secret(str(password))
        params: dict[str, Any] = {
            "InstanceId": instance_id,
            "Username": username,
            "IdentityInfo": _identity(props.get("IdentityInfo")),
            "PhoneConfig": normal_phone(props.get("PhoneConfig") or {}),
            "SecurityProfileIds": security,
            "RoutingProfileId": routing,
            "Tags": tags,
        }
        if password is not None:
            params["Password"] = password
        if group:
            params["HierarchyGroupId"] = group
        if props.get("DirectoryUserId"):
            params["DirectoryUserId"] = props["DirectoryUserId"]
        try:
            arn = str(self.call("create_user", **params)["UserArn"])
        except Exception as exc:
            if error_code(exc) != "DuplicateResourceException":
                if secret is not None:
                    secret.abandon()
                raise
            existing = self._find(instance_id, username)
            if existing is None or (existing.get("Tags") or {}).get(TOKEN_TAG) != token:
                if secret is not None:
                    secret.abandon()
                raise ProviderError(
                    f"Username: a user named '{username}' already exists in instance {instance_id} "
                    "and was not created by this resource; it was left untouched"
                ) from None
            arn = str(existing["Arn"])
            self.log.info(
                "adopted the user made by an earlier attempt of this request", extra={"phase": "create"}
            )
        if secret is not None:
            with made(arn):  # the user exists: a failure here must still get it deleted
                secret.bind(arn)
        return Result(arn, self._data(arn, secret.arn if secret else ""))

    # -- update --------------------------------------------------------------------------
    def update(self) -> Result:
        props, old = self.properties, self.old_properties
        arn = str(self.physical_id)
        parsed = resolve.parse_arn(arn)
        if parsed is None or parsed.kind != "agent":
            raise ProviderError(f"the physical id '{arn}' is not a Connect user ARN")
        instance_id, user_id = parsed.instance_id, parsed.resource_id
        if (props.get("DirectoryUserId") or None) != (old.get("DirectoryUserId") or None):
            raise ProviderError(
                "DirectoryUserId: is set when the user is created; change Username to replace the user"
            )
        if props.get("Password") != old.get("Password"):
            self.log.warning(
                "Password changed in the template: it is set only when the user is created; not applied",
                extra={"phase": "update"},
            )
        try:
            user = self.call("describe_user", InstanceId=instance_id, UserId=user_id)["User"]
        except Exception as exc:
            if error_code(exc) == "ResourceNotFoundException":
                raise ProviderError(f"user {arn} no longer exists in the instance") from None
            raise
        routing, security, group = self._references(instance_id)
        base = {"InstanceId": instance_id, "UserId": user_id}
        identity = _identity(props.get("IdentityInfo"))
        if identity != _identity(user.get("IdentityInfo")):
            # The rules depend on the identity type; checked before the first write of the update.
            described = self.call("describe_instance", InstanceId=instance_id)["Instance"]
            identity_type = str(described.get("IdentityManagementType", "CONNECT_MANAGED"))
            _check_documented_rules(str(user.get("Username") or props["Username"]), identity, identity_type)
            self.call("update_user_identity_info", IdentityInfo=identity, **base)
        phone = normal_phone(props.get("PhoneConfig") or {})
        if phone != normal_phone(user.get("PhoneConfig") or {}):
            self.call("update_user_phone_config", PhoneConfig=phone, **base)
        if routing != user.get("RoutingProfileId"):
            self.call("update_user_routing_profile", RoutingProfileId=routing, **base)
        if set(security) != set(user.get("SecurityProfileIds") or []):
            self.call("update_user_security_profiles", SecurityProfileIds=security, **base)
        if (group or None) != (user.get("HierarchyGroupId") or None):
            self.call("update_user_hierarchy", **base, **({"HierarchyGroupId": group} if group else {}))
        actual_tags = {k: v for k, v in (user.get("Tags") or {}).items() if not k.startswith("gapfill:")}
        wanted = _user_tags(props)
        removed = sorted(set(actual_tags) - set(wanted))
        if removed:
            self.call("untag_resource", resourceArn=arn, tagKeys=removed)
        changed = {k: v for k, v in wanted.items() if actual_tags.get(k) != v}
        if changed:
            self.call("tag_resource", resourceArn=arn, tags=changed)
        return Result(arn, self._data(arn, str((user.get("Tags") or {}).get(SECRET_TAG, ""))))

    # -- read (providers.connect.user_read) ---------------------------------------------
    NOT_READ = user_read.NOT_READ

    def read(self) -> ReadResult | None:
        return user_read.read(self, SECRET_TAG)

    def list_ids(self) -> list[str]:
        return user_read.list_ids(self, self.instance_id)

    def desired_read(self) -> dict[str, Any]:
        return user_read.desired(self, self.instance_id)

    # -- delete --------------------------------------------------------------------------
    def delete(self) -> None:
        arn = str(self.physical_id)
        parsed = resolve.parse_arn(arn)
        if parsed is None or parsed.kind != "agent":
            self.log.info("physical id is not a user ARN: nothing to delete", extra={"phase": "delete"})
            return
        sm = self.client("secretsmanager")
        try:
            user = self.call("describe_user", InstanceId=parsed.instance_id, UserId=parsed.resource_id)[
                "User"
            ]
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            user = None
        if user is not None:
            secret_arn = (user.get("Tags") or {}).get(SECRET_TAG)
            if secret_arn:
                _delete_secret(sm, str(secret_arn), arn)
            try:
                self.call("delete_user", InstanceId=parsed.instance_id, UserId=parsed.resource_id)
            except Exception as exc:
                if error_code(exc) != "ResourceNotFoundException":
                    raise
        elif self.properties.get("Username"):
            # The user is gone already; its secret may not be (an earlier delete was cut short).
            name = passwords.secret_name(parsed.instance_id, str(self.properties["Username"]))
            _delete_secret(sm, name, arn)


def _delete_secret(sm: Any, secret_id: str, user_arn: str) -> None:
    """Delete a password secret only if it is tagged as this user's (or not yet bound)."""
    try:
        described = sm.describe_secret(SecretId=secret_id)
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return
        raise
    tags = {t["Key"]: t["Value"] for t in described.get("Tags", [])}
    if tags.get(USER_ARN_TAG) == user_arn:
        sm.delete_secret(SecretId=secret_id, ForceDeleteWithoutRecovery=True)


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

    def _tags(self) -> list[dict[str, str]]:
        return [
            {"Key": TOKEN_TAG, "Value": self.token},
            {"Key": USER_TAG, "Value": f"{self.instance_id}/{self.username}"},
        ]

    def prepare(self) -> str:
        self.password = passwords.generate_password()
        self.provider.keep_secret(self.password)
        value = passwords.secret_string(self.instance_id, self.username, self.password)
        try:
            made = self.sm.create_secret(
                Name=self.name,
                SecretString=value,
                Description=f"Amazon Connect password of {self.username} (gapfill Custom::ConnectUser)",
                Tags=self._tags(),
                **self.protection.create_options(),
            )
            self.arn, self.made = str(made["ARN"]), True
            return self.password
        except Exception as exc:
            if error_code(exc) != "ResourceExistsException":
                raise
        described = self.sm.describe_secret(SecretId=self.name)
        self.arn = str(described["ARN"])
        tags = {t["Key"]: t["Value"] for t in described.get("Tags", [])}
        if tags.get(TOKEN_TAG) == self.token:
            stored = json.loads(self.sm.get_secret_value(SecretId=self.name)["SecretString"])
            self.password = str(stored["Password"])
            self.provider.keep_secret(self.password)
            return self.password
        if tags.get(USER_TAG) != f"{self.instance_id}/{self.username}":
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
            self.sm.tag_resource(SecretId=self.arn, Tags=self._tags())
        self.sm.tag_resource(SecretId=self.arn, Tags=[{"Key": USER_ARN_TAG, "Value": user_arn}])
        self._protect()

    def abandon(self) -> None:
        if self.made:
            self.sm.delete_secret(SecretId=self.arn, ForceDeleteWithoutRecovery=True)
