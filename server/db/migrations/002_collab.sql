-- Live documents: an append-only update log, compacted into snapshots, and a text projection for search.

create table doc_updates (
  seq bigserial primary key,
  doc_name text not null check (length(doc_name) <= 100),
  update bytea not null,
  created_at timestamptz not null default now()
);
create index doc_updates_doc_seq_idx on doc_updates (doc_name, seq);

create table doc_snapshots (
  doc_name text primary key check (length(doc_name) <= 100),
  state bytea not null,
  -- Every update with seq <= last_seq is merged into state.
  last_seq bigint not null,
  updated_at timestamptz not null default now()
);

alter table prototypes add column doc_text text not null default '';
alter table prototypes add column search tsvector
  generated always as (
    setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', doc_text), 'B')
  ) stored;
create index prototypes_search_idx on prototypes using gin (search);
