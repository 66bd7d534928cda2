-- Facilitated innovation sprints: phases, a server-authoritative shared timer, the prototypes in
-- scope, participants, and dot votes. Ideas themselves are co-edited in the sprint's live document
-- ("sprint.<id>"); everything with authorship or integrity (votes, who created what) is a row here,
-- written by the server with the person taken from the session.

create table sprints (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  name text not null check (length(btrim(name)) between 1 and 200),
  challenge text not null default '' check (length(challenge) <= 2000),
  goal text not null default '' check (length(goal) <= 2000),
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  ended_at timestamptz,
  -- Position (in sprint_phases) of the phase everyone is in.
  current_phase int not null default 0 check (current_phase >= 0),
  -- When set, only facilitators may change the ideas document.
  ideas_locked boolean not null default false,
  -- The person who may cast a supervote, chosen by the facilitator.
  decider_id uuid references users (id) on delete set null,
  -- Bumped by "bring everyone here": open rooms switch to the current phase's view.
  gather_seq int not null default 0,
  -- The shared timer. Remaining = duration - used - (now - running_since, while running).
  timer_duration_ms bigint not null default 0 check (timer_duration_ms between 0 and 86400000),
  timer_used_ms bigint not null default 0 check (timer_used_ms >= 0),
  timer_running_since timestamptz
);
create index sprints_workspace_idx on sprints (workspace_id, created_at desc);

create table sprint_phases (
  sprint_id uuid not null references sprints (id) on delete cascade,
  position int not null check (position between 0 and 19),
  name text not null check (length(btrim(name)) between 1 and 80),
  -- What the room shows by default: understand (challenge, scope), diverge (ideas board),
  -- decide (voting), prototype (the prototypes), test (experiments).
  kind text not null check (kind in ('understand', 'diverge', 'decide', 'prototype', 'test')),
  instructions text not null default '' check (length(instructions) <= 2000),
  duration_seconds int not null check (duration_seconds between 60 and 28800),
  primary key (sprint_id, position)
);

-- The prototypes in scope.
create table sprint_prototypes (
  sprint_id uuid not null references sprints (id) on delete cascade,
  prototype_id uuid not null references prototypes (id) on delete cascade,
  added_at timestamptz not null default now(),
  primary key (sprint_id, prototype_id)
);

-- Who takes part (facilitators always may). Removing a member from the workspace removes them here.
create table sprint_participants (
  sprint_id uuid not null references sprints (id) on delete cascade,
  workspace_id uuid not null,
  user_id uuid not null,
  primary key (sprint_id, user_id),
  foreign key (workspace_id, user_id) references memberships (workspace_id, user_id) on delete cascade
);

-- Prototypes created from the sprint's ideas ("turn an idea into a prototype").
create table sprint_outputs (
  sprint_id uuid not null references sprints (id) on delete cascade,
  idea_id text not null check (length(idea_id) between 1 and 64),
  prototype_id uuid not null references prototypes (id) on delete cascade,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (sprint_id, idea_id)
);

-- A dot vote. Its ballot (the items) is fixed when it opens; at most one is open per sprint.
create table sprint_polls (
  id uuid primary key default gen_random_uuid(),
  sprint_id uuid not null references sprints (id) on delete cascade,
  subject text not null check (subject in ('ideas', 'prototypes')),
  title text not null check (length(btrim(title)) between 1 and 200),
  -- Dots per person, and whether a person may put more than one dot on an item.
  budget int not null check (budget between 1 and 20),
  one_per_item boolean not null default false,
  opened_by uuid references users (id) on delete set null,
  opened_at timestamptz not null default now(),
  closed_at timestamptz,
  -- Until revealed, nobody but the voter sees a vote (not even in API responses).
  revealed_at timestamptz
);
create index sprint_polls_sprint_idx on sprint_polls (sprint_id, opened_at desc);
create unique index sprint_polls_one_open_idx on sprint_polls (sprint_id) where closed_at is null;

create table sprint_poll_items (
  poll_id uuid not null references sprint_polls (id) on delete cascade,
  -- An idea id (from the sprint document) or a prototype id.
  item_id text not null check (length(item_id) between 1 and 64),
  label text not null check (length(label) <= 500),
  position int not null,
  primary key (poll_id, item_id)
);

-- One row per dot. A supervote is the decider's single extra vote, counted apart.
create table sprint_votes (
  id uuid primary key default gen_random_uuid(),
  poll_id uuid not null,
  item_id text not null,
  voter_id uuid not null references users (id) on delete cascade,
  kind text not null default 'dot' check (kind in ('dot', 'super')),
  created_at timestamptz not null default now(),
  foreign key (poll_id, item_id) references sprint_poll_items (poll_id, item_id) on delete cascade
);
create index sprint_votes_poll_voter_idx on sprint_votes (poll_id, voter_id);
create unique index sprint_votes_one_super_idx on sprint_votes (poll_id) where kind = 'super';
