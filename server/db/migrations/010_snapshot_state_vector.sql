-- The state vector of each snapshot, stored with it: a server can then open a large compacted
-- document for its first readers without building it (see decision 0017).
alter table doc_snapshots add column state_vector bytea;
