"""The QR upload application's HTTP API function (``lambda_function.lambda_handler``)."""
