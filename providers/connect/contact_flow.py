"""``Custom::ConnectContactFlow``: a contact flow whose content can name things by name.

Content comes inline or from S3, placeholders are resolved against the instance (one list
call per kind used), and Connect's ``InvalidContactFlowException`` is reported with every
problem it lists. Updates change content (``update_contact_flow_content``, skipped when
Connect already holds the same flow) and metadata in place; Type or instance replace the
flow. ``create_contact_flow`` has no ClientToken, so a flow is tagged with the request's
token: a repeated request finds its own flow by name and adopts it instead of failing on
the duplicate name. ``AdoptExisting`` takes over a flow that exists already (an instance's
default flows) and gives it back as it was on Delete (:mod:`providers.connect.flow_adoption`).
"""

from __future__ import annotations

from typing import Any

from providers.connect import arns, flow_adoption, flow_content, lex_bots, placeholders
from providers.core import tag_keys
from providers.core.aws import error_code, error_message
from providers.core.errors import ProviderError, made
from providers.core.provider import Provider, ReadResult, Result

SAVED_SUFFIX = ":$SAVED"
#: Top-level keys of flow content sent exactly as given: Metadata is free-form in the Flow
#: language, and exports keep the exporting instance's ARNs, names and other tools' text there.
FREE_FORM = ("Metadata",)
#: Placeholder kind -> (list operation, summary list key, extra list arguments, name field)
CATALOGS: dict[str, tuple[str, str, dict[str, Any], str]] = {
    "Queue": ("list_queues", "QueueSummaryList", {"QueueTypes": ["STANDARD"]}, "Name"),
    "Flow": ("list_contact_flows", "ContactFlowSummaryList", {}, "Name"),
    "Prompt": ("list_prompts", "PromptSummaryList", {}, "Name"),
    "Hours": ("list_hours_of_operations", "HoursOfOperationSummaryList", {}, "Name"),
    "Module": ("list_contact_flow_modules", "ContactFlowModulesSummaryList", {}, "Name"),
    "Agent": ("list_users", "UserSummaryList", {}, "Username"),
}


class ConnectContactFlow(Provider):
    resource_type = "Custom::ConnectContactFlow"

    @property
    def instance_id(self) -> str:
        value = arns.instance_id(str(self.properties.get("InstanceArn", "")))
        if value is None:
            raise ProviderError("InstanceArn: is not a Connect instance ARN")
        return value

    # -- content --------------------------------------------------------------------------
    def _load_content(self) -> dict[str, Any]:
        location = self.properties.get("ContentS3")
        if location:
            request = {"Bucket": location["Bucket"], "Key": location["Key"]}
            if location.get("VersionId"):
                request["VersionId"] = location["VersionId"]
            try:
                raw = self.client("s3").get_object(**request)["Body"].read()
            except Exception as exc:
                if not error_code(exc):
                    raise
                where = f"s3://{location['Bucket']}/{location['Key']}"
                raise ProviderError(
                    f"ContentS3: cannot read {where}: {error_code(exc)}: {error_message(exc)}"
                ) from None
            source = f"ContentS3 (s3://{location['Bucket']}/{location['Key']})"
            return flow_content.normalise(raw, source)
        return flow_content.normalise(self.properties.get("Content"), "Content")

    def _catalog(self, kind: str) -> dict[str, str]:
        connect = self.client("connect")
        if kind == "Lambda":
            found: dict[str, str] = {}
            for page in connect.get_paginator("list_lambda_functions").paginate(InstanceId=self.instance_id):
                found.update({arn: arn for arn in page.get("LambdaFunctions", [])})
            return found
        if kind == "LexBot":
            return lex_bots.catalog(connect, self.client("lexv2-models"), str(self.properties["InstanceArn"]))
        operation, key, extra, field = CATALOGS[kind]
        names: dict[str, str] = {}
        for page in connect.get_paginator(operation).paginate(InstanceId=self.instance_id, **extra):
            for item in page.get(key, []):
                names.setdefault(str(item[field]), str(item["Arn"]))
        return names

    def rendered_content(self) -> str:
        """The content Connect should hold: loaded, placeholders resolved, rendered."""
        try:
            document = self._load_content()
            found = placeholders.find(document, skip=FREE_FORM)
            values = placeholders.resolve(found, self._catalog, self.properties.get("Substitutions") or {})
        except flow_content.ContentError as exc:
            raise ProviderError(str(exc)) from None
        except placeholders.PlaceholderError as exc:
            where = "ContentS3" if self.properties.get("ContentS3") else "Content"
            raise ProviderError(f"{where}: " + "; ".join(exc.problems)) from None
        self._lex_aliases = sorted({v for k, v in values.items() if k.kind == "LexBot"})
        return flow_content.render(placeholders.substitute(document, values, skip=FREE_FORM))

    def _associate_bots(self) -> None:
        """The Lex V2 bot aliases the content names must be associated with the instance; with
        AssociateLexBots they are associated if they are not (never disassociated: see
        :mod:`providers.connect.lex_bots`)."""
        aliases = getattr(self, "_lex_aliases", [])
        if not aliases:
            return
        try:
            made_now = lex_bots.ensure_associated(
                self.client("connect"),
                self.instance_id,
                aliases,
                bool(self.properties.get("AssociateLexBots")),
            )
        except RuntimeError as exc:
            raise ProviderError(f"Content: {exc}") from None
        if made_now:
            self.log.info("associated Lex V2 bot aliases", extra={"phase": "bots", "aliases": made_now})

    def _invalid(self, exc: Exception, operation: str) -> ProviderError:
        problems = getattr(exc, "response", {}).get("problems") or []
        reason = flow_content.problems_reason(f"{operation}: Connect rejected the flow content", problems)
        return ProviderError(reason)

    # -- create ---------------------------------------------------------------------------
    def create(self) -> Result:
        props = self.properties
        content = self.rendered_content()
        self._associate_bots()
        token = self.client_token("contact-flow")
        if props.get("AdoptExisting"):
            return self._adopt_existing(content, token)
        tags = {**arns.tag_map(props.get("Tags")), tag_keys.CREATE_TOKEN: token}
        request: dict[str, Any] = {
            "InstanceId": self.instance_id,
            "Name": props["Name"],
            "Type": props["Type"],
            "Content": content,
            "Status": props.get("Status", "PUBLISHED"),
            "Tags": tags,
        }
        if props.get("Description"):
            request["Description"] = props["Description"]
        connect = self.client("connect")
        try:
            created = connect.create_contact_flow(**request)
            arn = str(created["ContactFlowArn"])
        except Exception as exc:
            code = error_code(exc)
            if code == "InvalidContactFlowException":
                raise self._invalid(exc, "CreateContactFlow") from None
            if code != "DuplicateResourceException":
                raise
            arn = self._adopt(token)
        if props.get("State") == "ARCHIVED":
            flow = arns.flow_ids(arn) or ("", "")
            with made(arn):  # the flow exists: a failure here must still get it deleted
                connect.update_contact_flow_metadata(
                    InstanceId=flow[0], ContactFlowId=flow[1], ContactFlowState="ARCHIVED"
                )
        return self._result(arn)

    def _adopt(self, token: str) -> str:
        """A flow with our name exists: ours from an earlier try of this request, or not."""
        name = self.properties["Name"]
        connect = self.client("connect")
        for page in connect.get_paginator("list_contact_flows").paginate(InstanceId=self.instance_id):
            for summary in page.get("ContactFlowSummaryList", []):
                if summary.get("Name") != name:
                    continue
                tags = connect.list_tags_for_resource(resourceArn=summary["Arn"]).get("tags") or {}
                if tag_keys.carries_token(tags, token):
                    self.log.info(
                        "adopting the flow an earlier try of this request made", extra={"phase": "create"}
                    )
                    return str(summary["Arn"])
        hint = (
            " (a replacement needs a new Name: flow names are unique per instance)" if self.replacing else ""
        )
        raise ProviderError(
            f"Name: a contact flow named '{name}' already exists in instance {self.instance_id}{hint}"
        )

    def _adopt_existing(self, content: str, token: str) -> Result:
        """Record the existing flow's content, then make it the template's."""
        props = self.properties
        connect = self.client("connect")
        arn = flow_adoption.adopt(connect, self.instance_id, props["Name"], props["Type"], token)
        flow_id = (arns.flow_ids(arn) or ("", ""))[1]
        with made(arn):  # adopted: a failure here must still get the found content restored
            publish = props.get("Status", "PUBLISHED") == "PUBLISHED"
            try:
                connect.update_contact_flow_content(
                    InstanceId=self.instance_id,
                    ContactFlowId=flow_id if publish else flow_id + SAVED_SUFFIX,
                    Content=content,
                )
            except Exception as exc:
                if error_code(exc) == "InvalidContactFlowException":
                    raise self._invalid(exc, "UpdateContactFlowContent") from None
                raise
            metadata: dict[str, Any] = {}
            if props.get("Description"):
                metadata["Description"] = props["Description"]
            if props.get("State") == "ARCHIVED":
                metadata["ContactFlowState"] = "ARCHIVED"
            if metadata:
                connect.update_contact_flow_metadata(
                    InstanceId=self.instance_id, ContactFlowId=flow_id, **metadata
                )
            if props.get("Tags"):
                connect.tag_resource(resourceArn=arn, tags=arns.tag_map(props.get("Tags")))
        return self._result(arn)

    @staticmethod
    def _result(arn: str) -> Result:
        flow = arns.flow_ids(arn)
        return Result(arn, {"ContactFlowId": flow[1] if flow else "", "ContactFlowArn": arn})

    # -- update ---------------------------------------------------------------------------
    def update(self) -> Result:
        arn = str(self.physical_id)
        flow = arns.flow_ids(arn)
        if flow is None:
            raise ProviderError(f"physical id {arn[:200]} is not a contact flow ARN")
        instance_id, flow_id = flow
        props, old = self.properties, self.old_properties
        connect = self.client("connect")
        content = self.rendered_content()
        self._associate_bots()

        metadata: dict[str, Any] = {}
        if props["Name"] != old.get("Name"):
            if props.get("AdoptExisting"):
                raise ProviderError("Name: an adopted flow keeps its name (AdoptExisting finds it by name)")
            metadata["Name"] = props["Name"]
        if props.get("Description", "") != old.get("Description", ""):
            metadata["Description"] = props.get("Description", "")
        if props.get("State", "ACTIVE") != old.get("State", "ACTIVE"):
            metadata["ContactFlowState"] = props.get("State", "ACTIVE")
        if metadata:
            connect.update_contact_flow_metadata(InstanceId=instance_id, ContactFlowId=flow_id, **metadata)

        publish = props.get("Status", "PUBLISHED") == "PUBLISHED"
        target = flow_id if publish else flow_id + SAVED_SUFFIX
        current = self._current(instance_id, target)
        unchanged = current is not None and flow_content.same_content(current.get("Content"), content)
        if not unchanged or (publish and current is not None and current.get("Status") != "PUBLISHED"):
            try:
                connect.update_contact_flow_content(
                    InstanceId=instance_id, ContactFlowId=target, Content=content
                )
            except Exception as exc:
                if error_code(exc) == "InvalidContactFlowException":
                    raise self._invalid(exc, "UpdateContactFlowContent") from None
                raise

        to_set, to_remove = arns.tag_changes(arns.tag_map(old.get("Tags")), arns.tag_map(props.get("Tags")))
        if to_set:
            connect.tag_resource(resourceArn=arn, tags=to_set)
        if to_remove:
            connect.untag_resource(resourceArn=arn, tagKeys=to_remove)
        return self._result(arn)

    def _current(self, instance_id: str, target: str) -> dict[str, Any] | None:
        """What Connect holds at ``target`` (``id`` published, ``id:$SAVED`` saved); None if
        it was never published: DescribeContactFlow without ``:$SAVED`` then answers
        ContactFlowNotPublishedException."""
        connect = self.client("connect")
        try:
            return dict(
                connect.describe_contact_flow(InstanceId=instance_id, ContactFlowId=target)["ContactFlow"]
            )
        except Exception as exc:
            if error_code(exc) != "ContactFlowNotPublishedException":
                raise
            return None

    # -- read -----------------------------------------------------------------------------
    #: Deploy-time inputs that Connect does not keep, so read cannot return them: the content
    #: is read back resolved (placeholders and Substitutions applied), wherever it came from.
    NOT_READ = ("Substitutions", "ContentS3")

    def read(self) -> ReadResult | None:
        """The flow as Connect holds it: the content the template's Status governs (the draft
        for SAVED), name, type, description, state, the template's tags (gapfill's own tag
        keys left out) and AdoptExisting while the flow is adopted."""
        arn = str(self.physical_id or "")
        flow = arns.flow_ids(arn)
        if flow is None:
            return None
        connect = self.client("connect")
        try:
            live = connect.describe_contact_flow(InstanceId=flow[0], ContactFlowId=flow[1] + SAVED_SUFFIX)
            tags = connect.list_tags_for_resource(resourceArn=arn).get("tags") or {}
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            return None
        described = live["ContactFlow"]
        props: dict[str, Any] = {
            "InstanceArn": arn.split("/contact-flow/", 1)[0],
            "Name": described["Name"],
            "Type": described["Type"],
            "Content": flow_content.normalise(described.get("Content", "{}")),
            "State": described.get("State", "ACTIVE"),
            "Status": described.get("Status", "PUBLISHED"),
        }
        if described.get("Description"):
            props["Description"] = described["Description"]
        user_tags = sorted(tag_keys.user_tags(tags).items())
        if user_tags:
            props["Tags"] = [{"Key": k, "Value": v} for k, v in user_tags]
        if tags.get(tag_keys.ADOPTED_VERSION, flow_adoption.RELEASED) != flow_adoption.RELEASED:
            props["AdoptExisting"] = True
        result = self._result(arn)
        return ReadResult({**props, **result.data}, result.data)

    def list_ids(self) -> list[str]:
        """Every flow of the instance that ``InstanceArn`` names (ListContactFlows), by ARN."""
        pages = (
            self.client("connect").get_paginator("list_contact_flows").paginate(InstanceId=self.instance_id)
        )
        return [str(f["Arn"]) for page in pages for f in page.get("ContactFlowSummaryList", [])]

    def desired_read(self) -> dict[str, Any]:
        """The content as Create writes it (placeholders and Substitutions resolved against the
        instance as it is now), tags in read's order, AdoptExisting only while true."""
        props = dict(self.properties)
        props["Content"] = flow_content.normalise(self.rendered_content())
        if props.get("Tags"):
            props["Tags"] = arns.user_tags(arns.tag_map(props["Tags"]))
        return props

    # -- delete ---------------------------------------------------------------------------
    def delete(self) -> None:
        flow = arns.flow_ids(str(self.physical_id))
        if flow is None:
            self.log.warning(
                "physical id is not a contact flow ARN; nothing to delete", extra={"phase": "delete"}
            )
            return
        connect = self.client("connect")
        try:
            adopted, version = flow_adoption.adoption(connect, str(self.physical_id))
            if adopted:  # an adopted flow is given back, never deleted
                if version is not None:
                    flow_adoption.restore(connect, str(self.physical_id), version, self.log)
                    self.log.info("adopted flow given back as found", extra={"phase": "delete"})
                return
            connect.delete_contact_flow(InstanceId=flow[0], ContactFlowId=flow[1])
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            self.log.info("contact flow already gone", extra={"phase": "delete"})
