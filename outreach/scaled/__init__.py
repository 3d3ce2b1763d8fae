"""The scaled set-up: PostgreSQL and Redis, several Rasa replicas and action servers behind
HAProxy, several scheduler workers, under supervisord (docs/operations.md)."""
