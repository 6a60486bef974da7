"""Runtime Lambda: re-sync the agent directory when a CSV is uploaded (see handler.py)."""
