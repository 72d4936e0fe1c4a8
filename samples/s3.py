"""A real S3-compatible HTTP server for the tests and benchmarks: moto's server mode on loopback, so boto3
signs and sends real requests (never a patched client).

`SAFEFACE_TEST_S3=1` (.ci/run's PostgreSQL + Redis pass) puts the whole suite's media on it:
tests/settings.py starts one server per test run and hands its address to the processes the
tests start through the environment.
"""

from __future__ import annotations

import logging

import boto3

logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


def start_server() -> str:
    """Start moto's threaded server on a free loopback port; its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return f"http://{host}:{port}"


def client(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS)


def create_bucket(endpoint: str, name: str) -> None:
    client(endpoint).create_bucket(Bucket=name)


def keys(endpoint: str, bucket: str, prefix: str = "") -> list[str]:
    pages = client(endpoint).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(entry["Key"] for page in pages for entry in page.get("Contents", ()))


def storage_options(endpoint: str, bucket: str, prefix: str = "") -> dict:
    """The OPTIONS settings.py gives AtomicS3Storage, for this server and bucket."""
    return {"bucket_name": bucket, "endpoint_url": endpoint, "region_name": CREDENTIALS["region_name"],
            "access_key": CREDENTIALS["aws_access_key_id"], "secret_key": CREDENTIALS["aws_secret_access_key"],
            "location": prefix, "file_overwrite": False, "default_acl": None, "querystring_expire": 300,
            "signature_version": "s3v4"}
