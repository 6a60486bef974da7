"""``Custom::S3BucketEmptier``: opt-in emptying of a bucket its own stack deletes."""
