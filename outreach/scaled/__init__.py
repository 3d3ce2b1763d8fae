"""The scaled set-up: PostgreSQL and Redis, several Rasa replicas and action servers behind a
local load balancer, several scheduler workers, supervised (docs/operations.md)."""
