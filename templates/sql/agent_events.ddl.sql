-- Amazon Connect agent event stream records (Kinesis -> Firehose -> S3).
CREATE EXTERNAL TABLE agent_events (
  awsaccountid string,
  agentarn string,
  eventid string,
  eventtimestamp string,
  eventtype string,
  instancearn string,
  version string,
  currentagentsnapshot struct<agentstatus:struct<arn:string,name:string,starttimestamp:string,type:string>,configuration:struct<username:string,firstname:string,lastname:string,routingprofile:struct<arn:string,name:string>>,contacts:array<struct<contactid:string,channel:string,state:string,initiationmethod:string,queue:struct<arn:string,name:string>>>>,
  previousagentsnapshot struct<agentstatus:struct<arn:string,name:string,starttimestamp:string,type:string>>
)
PARTITIONED BY (year string, month string, day string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION 's3://${StorageBucket}/agent-events/'
