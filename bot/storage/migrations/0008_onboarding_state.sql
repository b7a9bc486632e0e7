-- Onboarding runs on the conversations engine (conversations/scripts/onboarding.yaml):
-- where a member is in it is the engine's state (conversations.engine.serialise), NULL
-- when they are at no question. NULL while onboarding means "at the start": the bot
-- starts the script then, with what the member row already knows (an invite's
-- stakeholder group). The two old columns it replaces are dropped (SQLite >= 3.35).
ALTER TABLE members ADD COLUMN onboarding_state TEXT;

-- The answers to the questions onboarding gained; NULL if not asked (or skipped).
ALTER TABLE members ADD COLUMN distance_band TEXT;  -- a choice code of distance_band
ALTER TABLE members ADD COLUMN checkin_day TEXT;  -- 'mon' .. 'sun'
ALTER TABLE members ADD COLUMN checkin_window TEXT;  -- '08-11', '11-14', '14-17', '17-21'

-- Each old step becomes the engine's path up to the same question. The language step is
-- the start (NULL). At the notice the language was answered (people.language); at the
-- consents the notice too, and the toggles pressed so far are the draft (stored sorted by
-- name, which is the script's order); at the group step the consents were confirmed:
-- the answer is what the consent log grants, in the script's order.
UPDATE members SET onboarding_state = json_object(
    'script', 'onboarding',
    'path', json_array(
        json_object('question', 'language', 'value', (
            SELECT p.language FROM people p WHERE p.pseudonym = members.pseudonym
        ))
    )
)
WHERE status = 'onboarding' AND onboarding_step = 'notice';

UPDATE members SET onboarding_state = json_object(
    'script', 'onboarding',
    'path', json_array(
        json_object('question', 'language', 'value', (
            SELECT p.language FROM people p WHERE p.pseudonym = members.pseudonym
        )),
        json_object('question', 'notice', 'value', json('true'))
    ),
    'draft', json(CASE pending_consents WHEN '' THEN '[]'
        ELSE '["' || replace(pending_consents, ',', '","') || '"]' END)
)
WHERE status = 'onboarding' AND onboarding_step = 'consent';

-- An active member re-choosing consents from /privacy: what they answered before is
-- given (not asked again), and the toggles stand as they were drawn.
UPDATE members SET onboarding_state = json_object(
    'script', 'onboarding',
    'given', json_object(
        'language', (SELECT p.language FROM people p WHERE p.pseudonym = members.pseudonym),
        'notice', json('true'),
        'stakeholder_group', stakeholder_group
    ),
    'draft', json(CASE pending_consents WHEN '' THEN '[]'
        ELSE '["' || replace(pending_consents, ',', '","') || '"]' END)
)
WHERE status = 'active' AND onboarding_step = 'consent';

UPDATE members SET onboarding_state = json_object(
    'script', 'onboarding',
    'path', json_array(
        json_object('question', 'language', 'value', (
            SELECT p.language FROM people p WHERE p.pseudonym = members.pseudonym
        )),
        json_object('question', 'notice', 'value', json('true')),
        json_object('question', 'consents', 'value', (
            SELECT json_group_array(purpose) FROM (
                SELECT c.purpose FROM consents c
                WHERE c.id IN (
                    SELECT MAX(id) FROM consents
                    WHERE pilot_id = members.pilot_id AND pseudonym = members.pseudonym
                    GROUP BY purpose
                ) AND c.granted = 1
                ORDER BY CASE c.purpose WHEN 'checkins' THEN 1 WHEN 'wellbeing' THEN 2 ELSE 3 END
            )
        ))
    )
)
WHERE status = 'onboarding' AND onboarding_step = 'group';

-- Without a stored language (never the case so far) a member starts over; the bot also
-- starts over from the member row whenever a stored state no longer fits the script.
UPDATE members SET onboarding_state = NULL
WHERE json_extract(onboarding_state, '$.path[0].value') IS NULL
AND json_extract(onboarding_state, '$.given.language') IS NULL;

ALTER TABLE members DROP COLUMN onboarding_step;
ALTER TABLE members DROP COLUMN pending_consents;
