-- CTR table checks: one row per check; a healthy table has zero in every *_records row
-- except total_records and distinct_contacts.
WITH latest AS (
  SELECT *
  FROM (
    SELECT ctr.*,
           row_number() OVER (PARTITION BY contactid ORDER BY from_iso8601_timestamp(lastupdatetimestamp) DESC) AS rn
    FROM ctr
  ) ranked
  WHERE rn = 1
)
SELECT 'total_records' AS check_name, (SELECT count(*) FROM ctr) AS value
UNION ALL
SELECT 'distinct_contacts', (SELECT count(DISTINCT contactid) FROM ctr)
UNION ALL
SELECT 'duplicate_records', (SELECT count(*) - count(DISTINCT contactid) FROM ctr)
UNION ALL
SELECT 'missing_contactid_records', (SELECT count(*) FROM ctr WHERE contactid IS NULL OR contactid = '')
UNION ALL
SELECT 'missing_disconnect_records', (SELECT count(*) FROM latest WHERE disconnecttimestamp IS NULL)
UNION ALL
SELECT 'disconnect_before_initiation_records',
       (SELECT count(*) FROM latest
        WHERE from_iso8601_timestamp(disconnecttimestamp) < from_iso8601_timestamp(initiationtimestamp))
UNION ALL
SELECT 'negative_duration_records',
       (SELECT count(*) FROM latest
        WHERE queue.duration < 0 OR agent.agentinteractionduration < 0 OR agent.aftercontactworkduration < 0)
ORDER BY check_name
