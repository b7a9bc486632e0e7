-- The privacy notice of 2026-12 (GDPR Art. 13: legal basis, the controller's contact,
-- the right to complain, retention). No purpose changed, so earlier consents stand; a
-- member who consented under an earlier notice is shown the new one once.

-- How to reach the controller, per pilot; NULL means the notice's default wording.
ALTER TABLE pilots ADD COLUMN controller_contact TEXT;
UPDATE pilots SET notice_version = '2026-12';

-- The notice version a member last saw; NULL until they have consented.
ALTER TABLE members ADD COLUMN notice_version TEXT;
UPDATE members SET notice_version = (
    SELECT c.notice_version FROM consents c
    WHERE c.pilot_id = members.pilot_id AND c.pseudonym = members.pseudonym
    ORDER BY c.id DESC LIMIT 1
);

-- Toggles are only pending while a member is choosing; once confirmed they are in the
-- consent log, and a stale copy here confused /mydata.
UPDATE members SET pending_consents = '' WHERE onboarding_step = 'done';
