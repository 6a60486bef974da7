"""``Custom::ConnectContactFlow``: a contact flow whose content can name things by name.

Content comes inline or from S3, placeholders are resolved against the instance (one list
call per kind used), and Connect's ``InvalidContactFlowException`` is reported with every
problem it lists. Updates change content (``update_contact_flow_content``, skipped when
Connect already holds the same flow) and metadata in place; Type or instance replace the
flow. ``create_contact_flow`` has no ClientToken, so a flow is tagged with the request's
token: a repeated request finds its own flow by name and adopts it instead of failing on
the duplicate name.
"""

from __future__ import annotations

from typing import Any

from providers.connect import arns, flow_content, placeholders
from providers.core.aws import error_code, error_message
from providers.core.errors import ProviderError, made
from providers.core.provider import Provider, Result

SAVED_SUFFIX = ":$SAVED"
#: Top-level keys of flow content sent exactly as given: Metadata is free-form in the Flow
#: language, and exports keep the exporting instance's ARNs, names and other tools' text there.
FREE_FORM = ("Metadata",)
#: Placeholder kind -> (list operation, summary list key, extra list arguments)
CATALOGS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "Queue": ("list_queues", "QueueSummaryList", {"QueueTypes": ["STANDARD"]}),
    "Flow": ("list_contact_flows", "ContactFlowSummaryList", {}),
    "Prompt": ("list_prompts", "PromptSummaryList", {}),
    "Hours": ("list_hours_of_operations", "HoursOfOperationSummaryList", {}),
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
        operation, key, extra = CATALOGS[kind]
        names: dict[str, str] = {}
        for page in connect.get_paginator(operation).paginate(InstanceId=self.instance_id, **extra):
            for item in page.get(key, []):
                names.setdefault(str(item["Name"]), str(item["Arn"]))
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
        return flow_content.render(placeholders.substitute(document, values, skip=FREE_FORM))

    def _invalid(self, exc: Exception, operation: str) -> ProviderError:
        problems = getattr(exc, "response", {}).get("problems") or []
        reason = flow_content.problems_reason(f"{operation}: Connect rejected the flow content", problems)
        return ProviderError(reason)

    # -- create ---------------------------------------------------------------------------
    def create(self) -> Result:
        props = self.properties
        content = self.rendered_content()
        token = self.client_token("contact-flow")
        tags = {**arns.tag_map(props.get("Tags")), arns.CREATE_TOKEN_TAG: token}
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
                if tags.get(arns.CREATE_TOKEN_TAG) == token:
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

        metadata: dict[str, Any] = {}
        if props["Name"] != old.get("Name"):
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

    # -- delete ---------------------------------------------------------------------------
    def delete(self) -> None:
        flow = arns.flow_ids(str(self.physical_id))
        if flow is None:
            self.log.warning(
                "physical id is not a contact flow ARN; nothing to delete", extra={"phase": "delete"}
            )
            return
        try:
            self.client("connect").delete_contact_flow(InstanceId=flow[0], ContactFlowId=flow[1])
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            self.log.info("contact flow already gone", extra={"phase": "delete"})
