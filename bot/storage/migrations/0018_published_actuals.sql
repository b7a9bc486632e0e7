-- The published return is now the whole actual evaluation with its derived quantities
-- (`bot.live.PublishedActual`), shown by /summary, /report and /export alike. Rows in the
-- earlier form (ratios and breakdowns only) cannot be read as such: they are published
-- again, from the same waves, on the next request.
DELETE FROM published_returns;
