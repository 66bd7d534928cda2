-- Feedback loops: forms on a prototype, answered through a public link; responses are append-only.

create table feedback_forms (
  id uuid primary key default gen_random_uuid(),
  workspace_id uuid not null references workspaces (id) on delete cascade,
  prototype_id uuid not null references prototypes (id) on delete cascade,
  -- The experiment card (in the prototype's document) this form gathers evidence for.
  card_id text check (length(card_id) between 8 and 64),
  -- A follow-up (e.g. a 60-day on-the-job check) of an earlier form of the same prototype.
  follows_form_id uuid references feedback_forms (id) on delete set null,
  title text not null check (length(title) between 1 and 200),
  intro text not null default '' check (length(intro) <= 2000),
  status text not null default 'draft' check (status in ('draft', 'open', 'closed')),
  -- The unguessable public link; null while revoked.
  public_token text unique check (public_token ~ '^[A-Za-z0-9_-]{32,64}$'),
  one_per_browser boolean not null default false,
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  opened_at timestamptz,
  closed_at timestamptz
);
create index feedback_forms_prototype_idx on feedback_forms (prototype_id, created_at);

create table feedback_questions (
  id uuid primary key default gen_random_uuid(),
  form_id uuid not null references feedback_forms (id) on delete cascade,
  position integer not null,
  kind text not null check (kind in ('rating', 'nps', 'single', 'multiple', 'text')),
  prompt text not null check (length(prompt) between 1 and 500),
  help text not null default '' check (length(help) <= 1000),
  required boolean not null default false,
  level smallint not null check (level between 1 and 4),
  -- Choices of single/multiple questions: [{"id": "...", "label": "..."}]; ids never change.
  choices jsonb not null default '[]',
  low_label text not null default '' check (length(low_label) <= 60),
  high_label text not null default '' check (length(high_label) <= 60),
  created_at timestamptz not null default now()
);
create index feedback_questions_form_idx on feedback_questions (form_id, position);

create table feedback_responses (
  id uuid primary key default gen_random_uuid(),
  form_id uuid not null references feedback_forms (id) on delete cascade,
  -- Sent by the form page; a second POST of the same page is recognised, never stored twice.
  submission_id uuid not null,
  -- Hash of a per-browser cookie when the form allows one response per browser.
  browser_key text,
  ip_hash text not null,
  submitted_at timestamptz not null default now(),
  unique (form_id, submission_id)
);
create unique index feedback_responses_browser_idx on feedback_responses (form_id, browser_key) where browser_key is not null;
create index feedback_responses_form_time_idx on feedback_responses (form_id, submitted_at);
create index feedback_responses_ip_idx on feedback_responses (ip_hash, submitted_at);

create table feedback_answers (
  response_id uuid not null references feedback_responses (id) on delete cascade,
  question_id uuid not null references feedback_questions (id) on delete cascade,
  form_id uuid not null references feedback_forms (id) on delete cascade,
  number_value smallint,
  choice_ids text[],
  text_value text check (length(text_value) <= 5000),
  primary key (response_id, question_id)
);
create index feedback_answers_question_idx on feedback_answers (question_id) include (number_value);

-- Append-only: a response, once stored, is never changed (forms may still be deleted whole).
create function feedback_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'feedback responses are append-only' using errcode = 'P0001';
end $$;
create trigger feedback_responses_append_only before update on feedback_responses
  for each row execute function feedback_append_only();
create trigger feedback_answers_append_only before update on feedback_answers
  for each row execute function feedback_append_only();
