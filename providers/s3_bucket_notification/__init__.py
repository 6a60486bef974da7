"""``Custom::S3BucketNotification``: pure merge logic in ``config``, AWS layer in ``handlers``."""
