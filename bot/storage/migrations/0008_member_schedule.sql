-- When a member wants their check-ins, and how far they commute (asked at onboarding).
-- Stand-in for the onboarding branch's 0008, which adds the same columns.
ALTER TABLE members ADD COLUMN checkin_day TEXT;
ALTER TABLE members ADD COLUMN checkin_window TEXT;
ALTER TABLE members ADD COLUMN distance_band TEXT;
