"""Swift object storage driver: container sync (python-swiftclient)."""
