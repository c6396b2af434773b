"""The bills bucket, its queue and dead-letter queue: one description, two renderings —
CloudFormation resources for the deployment, boto3 calls for the local stack."""
from __future__ import annotations

import json
from typing import Any

DLQ_MAX_RECEIVES = 5
QUEUE_VISIBILITY_S = 900   # ≥ the ingest function's timeout


def cfn_resources() -> dict[str, Any]:
    return {
        "BillsDeadLetterQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"QueueName": {"Fn::Sub": "${TablePrefix}bills-dlq"},
                           "MessageRetentionPeriod": 1209600, "SqsManagedSseEnabled": True},
        },
        "BillsQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": {"Fn::Sub": "${TablePrefix}bills"},
                "VisibilityTimeout": QUEUE_VISIBILITY_S,
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {"deadLetterTargetArn": {"Fn::GetAtt": [
                    "BillsDeadLetterQueue", "Arn"]}, "maxReceiveCount": DLQ_MAX_RECEIVES},
            },
        },
        "BillsQueuePolicy": {
            "Type": "AWS::SQS::QueuePolicy",
            "Properties": {
                "Queues": [{"Ref": "BillsQueue"}],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": {"Fn::GetAtt": ["BillsQueue", "Arn"]},
                    "Condition": {"ArnLike": {"aws:SourceArn": {
                        "Fn::Sub": "arn:${AWS::Partition}:s3:::${BillsBucketName}"}},
                        "StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
                }]},
            },
        },
        "BillsBucket": {
            "Type": "AWS::S3::Bucket",
            "DependsOn": "BillsQueuePolicy",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "BucketName": {"Ref": "BillsBucketName"},
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                    "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True, "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
                "NotificationConfiguration": {"QueueConfigurations": [{
                    "Event": "s3:ObjectCreated:*",
                    "Queue": {"Fn::GetAtt": ["BillsQueue", "Arn"]}}]},
            },
        },
    }


def create_local(s3, sqs, bucket: str, queue: str) -> str:
    """Create the same bucket → queue (with DLQ) wiring against the local AWS; returns the URL."""
    dlq_url = sqs.create_queue(QueueName=f"{queue}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName=queue, Attributes={
        "VisibilityTimeout": str(QUEUE_VISIBILITY_S),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                     "maxReceiveCount": str(DLQ_MAX_RECEIVES)})})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    return url
