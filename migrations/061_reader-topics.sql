-- Up Migration

-- A reader's topics: the tool categories whose comparisons they want. NULL is every category, today's and
-- any added later (the default); a reader who picks some gets exactly those.
ALTER TABLE subscribers ADD COLUMN topics text[];
