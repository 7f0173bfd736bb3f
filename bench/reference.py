"""The reference a bench reads its figures against on a shared, noisy machine: DynamoDB Local's
own single-thread PutItem rate, measured in the same run."""

from __future__ import annotations

import time
import uuid

import boto3


def putitem_rate(endpoint: str, *, region: str, seconds: float = 2.0) -> float:
    """Items/s one thread puts into DynamoDB Local at `endpoint`, on a table of its own (warmed
    first, then deleted)."""
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name=region)
    table = f"bench-put-{uuid.uuid4().hex[:6]}"
    client.create_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    try:
        item = {"status": {"S": "PENDING"}, "amount": {"N": "12000"}, "currency": {"S": "GBP"}}
        for i in range(50):  # warm the connection and the JIT
            client.put_item(TableName=table, Item={"pk": {"S": f"w{i}"}, **item})
        count, began = 0, time.perf_counter()
        while time.perf_counter() - began < seconds:
            client.put_item(TableName=table, Item={"pk": {"S": str(count)}, **item})
            count += 1
        return count / (time.perf_counter() - began)
    finally:
        client.delete_table(TableName=table)
