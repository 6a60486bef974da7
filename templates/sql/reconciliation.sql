-- Reconciliation: connection data seen by the custom CCP page against deduplicated CTRs.
-- CTRs arrive at least once: only the latest record per contactid (by lastupdatetimestamp)
-- counts. Exceptions on both sides:
--   NO_CTR            the page reported a contact that has no CTR
--   NO_CONNECTION     a CTR connected to an agent, but the page never reported it
--   AGENT_MISMATCH    both exist, but the agents differ
WITH ctr_latest AS (
  SELECT contactid, channel, initiationtimestamp, disconnecttimestamp, agent.username AS agentusername,
         queue.name AS queuename
  FROM (
    SELECT ctr.*,
           row_number() OVER (PARTITION BY contactid ORDER BY from_iso8601_timestamp(lastupdatetimestamp) DESC) AS rn
    FROM ctr
    WHERE contactid IS NOT NULL
  ) ranked
  WHERE rn = 1
),
connections AS (
  SELECT contactid,
         max(agentusername) AS agentusername,
         min(from_iso8601_timestamp(eventtimestamp)) AS first_seen_at,
         count(*) AS page_events
  FROM connection_data
  WHERE contactid IS NOT NULL
  GROUP BY contactid
)
SELECT coalesce(c.contactid, t.contactid) AS contactid,
       CASE
         WHEN t.contactid IS NULL THEN 'NO_CTR'
         WHEN c.contactid IS NULL THEN 'NO_CONNECTION'
         ELSE 'AGENT_MISMATCH'
       END AS exception,
       c.agentusername AS page_agent,
       t.agentusername AS ctr_agent,
       c.first_seen_at,
       c.page_events,
       t.channel,
       t.queuename,
       t.initiationtimestamp
FROM connections c
FULL OUTER JOIN ctr_latest t ON c.contactid = t.contactid
WHERE t.contactid IS NULL
   OR (c.contactid IS NULL AND t.agentusername IS NOT NULL)
   OR (c.contactid IS NOT NULL AND t.contactid IS NOT NULL AND c.agentusername <> t.agentusername)
ORDER BY exception, contactid
