"""Object storage: local directory (embedded) or S3-compatible (boto3)."""
