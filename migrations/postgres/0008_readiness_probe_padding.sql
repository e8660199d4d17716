-- What `GET /readyz` writes and takes back in one transaction, through the message writer:
-- as many pages as a large message needs (a one-row update fit on disks too full for one).
ALTER TABLE readiness_probe ADD COLUMN padding BYTEA;
