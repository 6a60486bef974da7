"""``gapfill deploy`` to a real AWS account: the providers stack, then the stack templates.

Split so that everything but the AWS calls is pure and unit tested: :mod:`params` (parameter
files), :mod:`artifacts` (``aws cloudformation package`` semantics: local paths in templates
uploaded under content-addressed keys), :mod:`stacks` (change-set requests, stack events,
the first failure's reason) and :mod:`runner` (the boto3 sequence, with an identity guard).
"""
