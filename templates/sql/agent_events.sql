-- Agent events: per agent, the latest status and the number of events of each kind.
WITH ranked AS (
  SELECT agentarn,
         currentagentsnapshot.configuration.username AS username,
         currentagentsnapshot.agentstatus.name AS status,
         eventtype,
         eventtimestamp,
         row_number() OVER (PARTITION BY agentarn ORDER BY from_iso8601_timestamp(eventtimestamp) DESC) AS rn
  FROM agent_events
)
SELECT agentarn,
       max(CASE WHEN rn = 1 THEN username END) AS username,
       max(CASE WHEN rn = 1 THEN status END) AS current_status,
       max(CASE WHEN rn = 1 THEN eventtimestamp END) AS last_event_at,
       sum(CASE WHEN eventtype = 'STATE_CHANGE' THEN 1 ELSE 0 END) AS state_changes,
       sum(CASE WHEN eventtype = 'HEART_BEAT' THEN 1 ELSE 0 END) AS heartbeats,
       sum(CASE WHEN eventtype = 'LOGIN' THEN 1 ELSE 0 END) AS logins,
       sum(CASE WHEN eventtype = 'LOGOUT' THEN 1 ELSE 0 END) AS logouts
FROM ranked
GROUP BY agentarn
ORDER BY agentarn
