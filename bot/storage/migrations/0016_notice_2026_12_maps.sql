-- The privacy notice of 2026-12-maps: it now says that impact-map versions and decisions on
-- proposals record which coordinator made them, and that /delete removes that pseudonym.
-- No purpose changed, so consents stand; members who consented under an earlier notice
-- are told once what changed since the version they saw.
UPDATE pilots SET notice_version = '2026-12-maps';
