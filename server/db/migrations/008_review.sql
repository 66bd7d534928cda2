-- Leaders review: anchored comment threads, mentions and an inbox, and the decision lane.
-- All written by the server, the author always taken from the session.

create table comment_threads (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  prototype_id uuid not null references prototypes (id) on delete cascade,
  -- Where it is anchored: Yjs relative positions (encoded) of the range's start and end, and the
  -- text quoted when the thread was opened (shown when the anchored text is gone).
  anchor_start bytea not null check (length(anchor_start) <= 1024),
  anchor_end bytea not null check (length(anchor_end) <= 1024),
  quote text not null check (length(quote) <= 2000),
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  resolved_at timestamptz,
  resolved_by uuid references users (id) on delete set null
);
create index comment_threads_prototype_idx on comment_threads (prototype_id, created_at);

create table comments (
  id uuid primary key default gen_random_uuid(),
  thread_id uuid not null references comment_threads (id) on delete cascade,
  author_id uuid references users (id) on delete set null,
  -- Plain text; mentions are written @[Name](user-id) and resolved when shown. Never HTML.
  body text not null check (length(btrim(body)) between 1 and 5000),
  created_at timestamptz not null default now(),
  edited_at timestamptz,
  deleted_at timestamptz
);
create index comments_thread_idx on comments (thread_id, created_at);

-- A person's inbox: mentions of them and replies to their threads.
create table inbox_items (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references users (id) on delete cascade,
  workspace_id uuid not null references workspaces (id) on delete cascade,
  kind text not null check (kind in ('mention', 'reply')),
  comment_id uuid not null references comments (id) on delete cascade,
  created_at timestamptz not null default now(),
  read_at timestamptz,
  unique (user_id, comment_id)
);
create index inbox_items_unread_idx on inbox_items (user_id, created_at desc) where read_at is null;

create table decisions (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  prototype_id uuid not null references prototypes (id) on delete cascade,
  kind text not null check (kind in ('approve_pilot', 'request_changes', 'ask_evidence', 'fund_next_phase')),
  note text not null default '' check (length(note) <= 5000),
  decided_by uuid references users (id) on delete set null,
  decided_at timestamptz not null default now(),
  -- The prototype version it was made on: update-log position and the full document state.
  doc_seq bigint not null,
  doc_state bytea not null,
  -- The stage change it caused, if any (approve for pilot → piloting).
  stage_from text,
  stage_to text
);
create index decisions_prototype_idx on decisions (prototype_id, decided_at desc);

-- Whether "approve for pilot" moves a prototype to the piloting stage.
alter table workspaces add column approve_moves_stage boolean not null default true;
