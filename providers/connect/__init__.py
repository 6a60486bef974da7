"""Amazon Connect providers: six resource types and the modules they share.

The types (one module each, registered in :mod:`providers.registry`):

* ``instance`` - ``Custom::ConnectInstance``
* ``contact_flow`` - ``Custom::ConnectContactFlow``
* ``phone_number`` - ``Custom::ConnectPhoneNumber``
* ``user`` - ``Custom::ConnectUser``
* ``user_directory`` - ``Custom::ConnectUserDirectory``
* ``lookup`` - ``Custom::ConnectLookup``

What they share: ``arns`` (the one ARN module), ``resolve`` (names to ids), ``pacing`` (the one
rate setting), ``users`` (the one implementation of Connect users, for ConnectUser and the
directory), ``passwords`` and ``user_rules`` (what CreateUser accepts). The agent directory's
CSV and diff are ``directory`` (pure), its sync ``sync`` and its deletion guard ``guard``;
contact flows use ``flow_content``, ``flow_adoption``, ``placeholders`` and ``lex_bots``;
instances ``instance_attributes``. Tag keys are :mod:`providers.core.tag_keys`.
"""
