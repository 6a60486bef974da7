-- Connection data posted by the custom CCP page (Custom::HtmlPage, template CustomCcp) through
-- API Gateway -> Firehose: {"type": ..., "at": ..., "region": ..., "detail": {...}}, where
-- detail is the contact (contactId, channel, queue, state) or the agent (agent, state,
-- stateType, routingProfile, oldState, newState) the event is about.
CREATE EXTERNAL TABLE connection_data (
  type string,
  `at` string,
  region string,
  detail struct<contactid:string,channel:string,queue:string,state:string,agent:string,statetype:string,routingprofile:string,oldstate:string,newstate:string>
)
PARTITIONED BY (year string, month string, day string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION 's3://${StorageBucket}/connection-data/'
