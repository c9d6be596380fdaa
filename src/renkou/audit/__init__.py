"""The audit log (审计日志): append-only and hash-chained."""
