-- A coordinator can revoke an invite (/invites): it is then refused, with its own message.
ALTER TABLE invites ADD COLUMN revoked_at TEXT;
