-- Each snapshot's delete set, as an update with no structs: what a client that holds exactly the
-- snapshot answers to the server's sync step 1, recognised without building the document.
alter table doc_snapshots add column delete_set bytea;
