"""``Custom::S3Objects``: files put into a bucket at deploy time, owned by metadata."""
