"""Build-time tooling: the reproducible Lambda zip, the providers' SAM template and the IAM
policies derived from the schemas. Runs on a laptop or in CI, never inside Lambda."""
