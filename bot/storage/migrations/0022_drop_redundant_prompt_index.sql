-- Every query by pilot, module and period is served by checkin_prompts_by_wave_status
-- (pilot_id, period, module, ...), which also covers the counts; this one was no longer
-- read, yet every new prompt paid for it (about 40 % of inserting a tick's prompts).
DROP INDEX checkin_prompts_by_wave;
