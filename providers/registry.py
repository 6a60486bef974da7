"""Which module serves which ``Custom::`` type.

Plain strings, so that importing the registry imports no provider: serving one type must
not pay for the others (Connect, HTML rendering, ...) on a cold start.
"""

from __future__ import annotations

PROVIDERS: dict[str, str] = {
    "Custom::S3BucketNotification": "providers.s3_bucket_notification.handlers:S3BucketNotification",
    "Custom::FirehoseEncryption": "providers.firehose_encryption:FirehoseEncryption",
    "Custom::HtmlPage": "providers.html_page.handlers:HtmlPage",
    "Custom::ConnectInstance": "providers.connect.instance:ConnectInstance",
    "Custom::ConnectContactFlow": "providers.connect.contact_flow:ConnectContactFlow",
    "Custom::ConnectPhoneNumber": "providers.connect.phone_number:ConnectPhoneNumber",
    "Custom::ConnectUser": "providers.connect.user:ConnectUser",
    "Custom::ConnectUserDirectory": "providers.connect.user_directory:ConnectUserDirectory",
    "Custom::ConnectLookup": "providers.connect.lookup:ConnectLookup",
    "Custom::PostgresSql": "providers.sql.postgres:PostgresSql",
    "Custom::RedshiftSql": "providers.sql.redshift:RedshiftSql",
    "Custom::S3Objects": "providers.s3_objects.handlers:S3Objects",
    "Custom::S3BucketEmptier": "providers.s3_bucket_emptier.handlers:S3BucketEmptier",
    "Custom::ApiGatewayAccount": "providers.apigateway_account.handlers:ApiGatewayAccount",
}


def normalise_type(resource_type: str) -> str:
    """Accept the ``Custom::`` names and their three-part ``Gapfill::<Area>::<Name>`` aliases."""
    if resource_type in PROVIDERS:
        return resource_type
    if resource_type.startswith("Gapfill::"):
        parts = resource_type.split("::")
        if len(parts) == 3:
            candidate = "Custom::" + parts[1] + parts[2]
            if candidate in PROVIDERS:
                return candidate
    return resource_type
