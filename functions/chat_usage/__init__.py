"""Chat usage: per-contact usage records from Amazon Connect chat transcripts in S3."""
