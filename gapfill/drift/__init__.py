"""``gapfill drift``: every gapfill resource's live state against what its stack last asked for.

:mod:`.compare` holds the AWS-free comparison and the table; :mod:`.check` reads each resource
through its provider (:func:`providers.core.reading.read`) and builds the expected side with
:func:`providers.core.reading.expected`; :mod:`.stack` and :mod:`.local` find the resources
of a deployed stack and of the local main job. docs/drift.md says what each type can show.
"""
