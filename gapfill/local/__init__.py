"""Local tooling that plays CloudFormation's side of the custom-resource protocol."""
