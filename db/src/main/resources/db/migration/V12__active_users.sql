-- Active users (daily, monthly) are counted from the sessions started or refreshed in the period:
-- an access token lives minutes, so anyone using the studio refreshes one.
create index refresh_tokens_created on refresh_tokens (created_at);
