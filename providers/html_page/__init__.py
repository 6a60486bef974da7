"""``Custom::HtmlPage``: pages rendered at deploy time (the custom CCP page among them),
published to S3."""
