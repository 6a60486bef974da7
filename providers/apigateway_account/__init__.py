"""``Custom::ApiGatewayAccount``: API Gateway's CloudWatch role, set only where none is."""
