-- Experiment cards. Their content lives in the prototype's Yjs document; Postgres holds what has
-- integrity (the run record written by the server when a card starts) and a projection for lists.

-- Written by the collaboration server when a card starts: what the verdict is judged against.
create table experiment_runs (
  prototype_id uuid not null references prototypes (id) on delete cascade,
  card_id text not null check (length(card_id) between 8 and 64),
  name text not null,
  hypothesis text not null,
  test text not null,
  metric text not null,
  criterion text not null,
  started_by uuid references users (id) on delete set null,
  started_at timestamptz not null default now(),
  -- The document version the card tests: update-log position and the full state at that moment.
  doc_seq bigint not null,
  doc_state bytea not null,
  verdict text check (verdict in ('validated', 'invalidated', 'inconclusive')),
  decision text check (decision in ('persevere', 'pivot', 'retire', 'continue')),
  concluded_by uuid references users (id) on delete set null,
  concluded_at timestamptz,
  primary key (prototype_id, card_id)
);

-- Refreshed from the document whenever it is stored; the document stays the source of truth.
create table experiment_cards (
  prototype_id uuid not null references prototypes (id) on delete cascade,
  card_id text not null check (length(card_id) between 8 and 64),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  name text not null,
  status text not null check (status in ('planned', 'running', 'validated', 'invalidated', 'inconclusive')),
  rank text not null,
  owner_id uuid references users (id) on delete set null,
  deadline date,
  hypothesis text not null,
  test text not null,
  metric text not null,
  criterion text not null,
  believed text not null,
  observed text not null,
  learned text not null,
  therefore text not null,
  decision text,
  critical smallint not null default 0,
  cost smallint not null default 0,
  reliability smallint not null default 0,
  time_required smallint not null default 0,
  created_at timestamptz,
  started_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (prototype_id, card_id)
);
create index experiment_cards_workspace_idx on experiment_cards (workspace_id, status);
