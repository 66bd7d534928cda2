-- Verdicts from evidence: an experiment card's success criterion bound to a feedback question.

create table criterion_bindings (
  prototype_id uuid not null references prototypes (id) on delete cascade,
  card_id text not null check (length(card_id) between 8 and 64),
  question_id uuid not null references feedback_questions (id) on delete cascade,
  rule text not null check (rule in ('mean_gte', 'nps_gte', 'share_gte')),
  threshold numeric not null,
  -- The option whose share counts (share_gte only).
  choice_id text,
  min_responses integer not null default 20 check (min_responses between 1 and 100000),
  created_by uuid references users (id) on delete set null,
  created_at timestamptz not null default now(),
  primary key (prototype_id, card_id),
  check ((rule = 'share_gte') = (choice_id is not null))
);
create index criterion_bindings_question_idx on criterion_bindings (question_id);

-- The numbers a computed verdict was based on (rule, threshold, value, sample size, when).
alter table experiment_runs add column evidence jsonb;
