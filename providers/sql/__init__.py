"""SQL run at deploy time: one migrations engine (:mod:`providers.sql.migrations`) and its drivers."""
