-- Accounts, sessions, workspaces, goals and prototype records.

create table users (
  id uuid primary key default gen_random_uuid(),
  email text not null check (length(email) between 3 and 254 and email like '%_@_%'),
  name text not null check (length(btrim(name)) between 1 and 100),
  created_at timestamptz not null default now()
);
create unique index users_email_lower_key on users (lower(email));

-- Kept apart from users so the session adapter's "select users.*" never reads a hash.
create table user_passwords (
  user_id uuid primary key references users (id) on delete cascade,
  hash text not null,
  updated_at timestamptz not null default now()
);

-- id is the SHA-256 of the cookie's token; the token itself is never stored.
create table sessions (
  id text primary key check (id ~ '^[0-9a-f]{64}$'),
  user_id uuid not null references users (id) on delete cascade,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index sessions_user_id_idx on sessions (user_id);

create table login_attempts (
  id bigserial primary key,
  key text not null,
  attempted_at timestamptz not null default now()
);
create index login_attempts_key_time_idx on login_attempts (key, attempted_at);

create table workspaces (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(btrim(name)) between 1 and 80),
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table memberships (
  workspace_id uuid not null references workspaces (id) on delete cascade,
  user_id uuid not null references users (id) on delete cascade,
  role text not null check (role in ('owner', 'facilitator', 'editor', 'commenter', 'viewer')),
  created_at timestamptz not null default now(),
  primary key (workspace_id, user_id)
);
create index memberships_user_id_idx on memberships (user_id);

create table invites (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
  role text not null check (role in ('owner', 'facilitator', 'editor', 'commenter', 'viewer')),
  expires_at timestamptz not null,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  accepted_by uuid references users (id) on delete set null,
  accepted_at timestamptz,
  revoked_at timestamptz,
  check ((accepted_at is null) = (accepted_by is null) or accepted_by is null)
);
create index invites_workspace_id_idx on invites (workspace_id);

create table goals (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  title text not null check (length(btrim(title)) between 1 and 200),
  description text not null default '' check (length(description) <= 5000),
  owner_id uuid,
  archived_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (workspace_id, id),
  -- An owner is a member of the workspace; removing the member clears the owner.
  foreign key (workspace_id, owner_id) references memberships (workspace_id, user_id) on delete set null (owner_id)
);
create index goals_workspace_id_idx on goals (workspace_id, archived_at);

create table prototypes (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  title text not null check (length(btrim(title)) between 1 and 200),
  stage text not null default 'idea' check (stage in ('idea', 'prototyping', 'piloting', 'scaling', 'retired')),
  owner_id uuid,
  goal_id uuid,
  archived_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (workspace_id, owner_id) references memberships (workspace_id, user_id) on delete set null (owner_id),
  foreign key (workspace_id, goal_id) references goals (workspace_id, id)
);
create index prototypes_workspace_updated_idx on prototypes (workspace_id, updated_at desc);
