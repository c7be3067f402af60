-- Full-text search: a GIN index on the message text's tsvector, updated by the statement that inserts the message
-- (so in its transaction). Creating it indexes every existing message; it blocks writes while it builds.
CREATE INDEX "messages_content_search_idx" ON "messages" USING gin (to_tsvector('english', "content"));