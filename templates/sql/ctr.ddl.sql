-- Amazon Connect contact trace records delivered by Firehose; at least once, so a contact can
-- appear several times (queries keep the latest per contactid by lastupdatetimestamp).
CREATE EXTERNAL TABLE ctr (
  awsaccountid string,
  awscontacttracerecordformatversion string,
  contactid string,
  initialcontactid string,
  previouscontactid string,
  channel string,
  initiationmethod string,
  initiationtimestamp string,
  connectedtosystemtimestamp string,
  disconnecttimestamp string,
  lastupdatetimestamp string,
  disconnectreason string,
  instancearn string,
  agent struct<arn:string,username:string,connectedtoagenttimestamp:string,agentinteractionduration:int,customerholdduration:int,aftercontactworkduration:int>,
  queue struct<arn:string,name:string,enqueuetimestamp:string,dequeuetimestamp:string,duration:int>,
  customerendpoint struct<address:string,type:string>,
  systemendpoint struct<address:string,type:string>,
  attributes map<string,string>
)
PARTITIONED BY (year string, month string, day string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION 's3://${StorageBucket}/ctr/'
