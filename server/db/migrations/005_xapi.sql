-- xAPI: a workspace's Learning Record Store, and an outbox of statements to send to it.

create table lrs_settings (
  workspace_id uuid primary key references workspaces (id) on delete cascade,
  endpoint text not null check (endpoint ~ '^https?://' and length(endpoint) <= 500),
  username text not null default '' check (length(username) <= 200),
  password text not null default '' check (length(password) <= 500),
  enabled boolean not null default true,
  updated_at timestamptz not null default now()
);

-- Written in the same transaction as the response it describes, so no statement is ever lost;
-- a row leaves 'pending' only when the LRS has accepted it.
create table xapi_outbox (
  id uuid primary key, -- the statement id
  workspace_id uuid not null references workspaces (id) on delete cascade,
  form_id uuid not null references feedback_forms (id) on delete cascade,
  response_id uuid not null references feedback_responses (id) on delete cascade,
  statement jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'sent')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  -- A sender that claimed the row (another instance skips it until then).
  claimed_until timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz
);
create index xapi_outbox_pending_idx on xapi_outbox (next_attempt_at) where status = 'pending';
create index xapi_outbox_workspace_idx on xapi_outbox (workspace_id, status);
