#!/usr/bin/env python3
"""Submit an execq ExecutionRequest from Python and, with --wait, read its result: Avro single-object encoding with
the schemas and fingerprints published under schemas/history/, no schema registry.

Needs Debian's python3-confluent-kafka (librdkafka) and python3-avro. python-avro 1.11's Schema.canonical_form is not
the specification's Parsing Canonical Form (it keeps {"type": "string", "avro.java.string": ...} objects), so its
fingerprints differ from Java's: this client never computes one, it reads the published header of each version.

  execq_python_client.py --bootstrap-servers 127.0.0.1:9092 --history schemas/history --wait -- echo hello
"""
import argparse
import datetime
import io
import pathlib
import sys
import time
import uuid

import avro.io
import avro.schema
from confluent_kafka import Consumer, KafkaException, Producer


def released(history, name):
    """Every released version of a record: (header bytes, schema), oldest first."""
    versions = []
    for directory in sorted(pathlib.Path(history).glob("v*"), key=lambda d: int(d.name[1:])):
        avsc = directory / f"{name}.avsc"
        if not avsc.exists():
            continue
        published = dict(line.split("=", 1) for line in (directory / f"{name}.fingerprint").read_text().splitlines()
                         if line and not line.startswith("#"))
        versions.append((bytes.fromhex(published["header"].replace(" ", "")), avro.schema.parse(avsc.read_text())))
    return versions


def encode(header, schema, datum):
    body = io.BytesIO()
    avro.io.DatumWriter(schema).write(datum, avro.io.BinaryEncoder(body))
    return header + body.getvalue()


def decode(versions, value):
    """Decodes with the released version whose header the record carries, read as the newest version."""
    newest = versions[-1][1]
    for header, schema in versions:
        if value[:10] == header:
            return avro.io.DatumReader(schema, newest).read(avro.io.BinaryDecoder(io.BytesIO(value[10:])))
    raise ValueError("record carries an unknown schema header: " + value[:10].hex(" "))


def request(args):
    return {
        "requestId": args.request_id or str(uuid.uuid4()),
        "submittedAt": datetime.datetime.now(datetime.timezone.utc),
        "deadline": None,
        "image": args.image,
        "command": args.command,
        "stdin": None,
        "files": [],
        "env": {},
        "workingDir": None,
        "limits": {"timeoutMillis": args.timeout_ms, "memoryBytes": None, "milliCpus": None, "pids": None,
                   "maxOutputBytes": None},
        "isolation": args.isolation,
        "labels": {"client": "python"},
        "attempt": 1,
        "replayOf": None,
        "archive": None,
        "collect": [],
        "streamOutput": False,
        "network": "NONE",
    }


def wait_for(args, versions, request_id):
    consumer = Consumer({"bootstrap.servers": args.bootstrap_servers, "group.id": "python-" + request_id,
                         "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    consumer.subscribe([args.results_topic])
    deadline = time.monotonic() + args.wait_seconds
    try:
        while time.monotonic() < deadline:
            record = consumer.poll(1.0)
            if record is None:
                continue
            if record.error():
                raise KafkaException(record.error())
            if record.key() == request_id.encode():
                return decode(versions, record.value())
    finally:
        consumer.close()
    raise TimeoutError(f"no result for {request_id} within {args.wait_seconds} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap-servers", default="127.0.0.1:9092")
    parser.add_argument("--requests-topic", default="execq.requests")
    parser.add_argument("--results-topic", default="execq.results")
    parser.add_argument("--history", default="schemas/history", help="the schemas/history directory of execq")
    parser.add_argument("--request-id")
    parser.add_argument("--image")
    parser.add_argument("--isolation", default="PREFER_CONTAINER",
                        choices=["CONTAINER", "PREFER_CONTAINER", "PROCESS"])
    parser.add_argument("--timeout-ms", type=int, default=10_000)
    parser.add_argument("--wait", action="store_true", help="read the result (read_committed) and print it")
    parser.add_argument("--wait-seconds", type=float, default=60)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()

    requests = released(args.history, "ExecutionRequest")
    header, schema = requests[-1]
    datum = request(args)
    producer = Producer({"bootstrap.servers": args.bootstrap_servers, "enable.idempotence": True, "acks": "all"})
    failures = []
    producer.produce(args.requests_topic, key=datum["requestId"].encode(), value=encode(header, schema, datum),
                     on_delivery=lambda err, _: err and failures.append(err))
    producer.flush(30)
    if failures:
        sys.exit(f"not sent: {failures[0]}")
    print(datum["requestId"])
    if args.wait:
        result = wait_for(args, released(args.history, "ExecutionResult"), datum["requestId"])
        print(f"status={result['status']} exitCode={result['exitCode']} backend={result['backend']}")
        sys.stdout.write(result["stdout"]["data"].decode("utf-8", "replace"))
        sys.exit(0 if result["status"] == "SUCCEEDED" else 1)


if __name__ == "__main__":
    main()
