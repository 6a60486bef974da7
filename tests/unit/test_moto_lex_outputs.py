"""moto's Lex V2 answers brought to the lexv2-models output shapes (ids, statuses, times)."""

from __future__ import annotations

import re
from datetime import datetime

from gapfill.emulator import moto_outputs


def test_lex_ids_have_the_models_form() -> None:
    assert all(re.fullmatch(r"[0-9a-zA-Z]{10}", moto_outputs.lex_id()) for _ in range(50))


def test_lex_answers_carry_the_models_statuses_times_and_versions() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5)
    moto = {
        "botSummaries": [
            {
                "botStatus": "CREATING",
                "latestBotVersion": 1,
                "lastUpdatedDateTime": when.isoformat(),
                "botName": "CREATING",
            }
        ],
        "botAliasStatus": "AVAILABLE",
    }
    assert moto_outputs.lex_answer(moto) == {
        "botSummaries": [
            {
                "botStatus": "Creating",
                "latestBotVersion": "1",
                "lastUpdatedDateTime": when.timestamp(),
                "botName": "CREATING",
            }
        ],
        "botAliasStatus": "Available",
    }
