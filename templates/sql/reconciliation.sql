-- Reconciliation: contacts the custom CCP page reported against deduplicated CTRs.
-- CTRs arrive at least once: only the latest record per contactid (by lastupdatetimestamp)
-- counts. Exceptions on both sides:
--   NO_CTR            the page reported a contact that has no CTR
--   NO_CONNECTION     a CTR connected to an agent, but the page never reported the contact connected
--   QUEUE_MISMATCH    both exist, but the queues differ
WITH ctr_latest AS (
  SELECT contactid, channel, initiationtimestamp, agent.username AS agentusername, queue.name AS queuename
  FROM (
    SELECT ctr.*,
           row_number() OVER (PARTITION BY contactid ORDER BY from_iso8601_timestamp(lastupdatetimestamp) DESC) AS rn
    FROM ctr
    WHERE contactid IS NOT NULL
  ) ranked
  WHERE rn = 1
),
connections AS (
  SELECT detail.contactid AS contactid,
         max(detail.queue) AS queuename,
         max(detail.channel) AS channel,
         min(from_iso8601_timestamp("at")) AS first_seen_at,
         count(*) AS page_events,
         max(CASE WHEN type = 'contact_connected' THEN 1 ELSE 0 END) AS connected
  FROM connection_data
  WHERE detail.contactid IS NOT NULL
  GROUP BY detail.contactid
)
SELECT coalesce(c.contactid, t.contactid) AS contactid,
       CASE
         WHEN t.contactid IS NULL THEN 'NO_CTR'
         WHEN c.contactid IS NULL OR c.connected = 0 THEN 'NO_CONNECTION'
         ELSE 'QUEUE_MISMATCH'
       END AS exception,
       c.queuename AS page_queue,
       t.queuename AS ctr_queue,
       t.agentusername AS ctr_agent,
       c.first_seen_at,
       c.page_events,
       coalesce(t.channel, c.channel) AS channel,
       t.initiationtimestamp
FROM connections c
FULL OUTER JOIN ctr_latest t ON c.contactid = t.contactid
WHERE t.contactid IS NULL
   OR ((c.contactid IS NULL OR c.connected = 0) AND t.agentusername IS NOT NULL)
   OR (c.connected = 1 AND t.contactid IS NOT NULL AND c.queuename <> t.queuename)
ORDER BY exception, contactid
