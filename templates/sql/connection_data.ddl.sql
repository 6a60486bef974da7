-- Connection data posted by the custom CCP page through API Gateway -> Firehose.
-- Glue table gapfill connection_data (backend.yaml ConnectionDataTable); kept in sync by tests/templates.
CREATE EXTERNAL TABLE connection_data (
  contactid string,
  initialcontactid string,
  agentusername string,
  eventtype string,
  eventtimestamp string,
  queuename string,
  channel string,
  pageversion string
)
PARTITIONED BY (year string, month string, day string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION 's3://${StorageBucket}/connection-data/'
