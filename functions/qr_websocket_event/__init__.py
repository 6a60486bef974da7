"""The QR upload application's WebSocket and upload-event function (``lambda_function.lambda_handler``)."""
