-- Results for large forms: answers carry their response's time (newest open-text answers come
-- straight from an index), and a form's answers are found without scanning others.

alter table feedback_answers add column submitted_at timestamptz;
-- Backfill is the one sanctioned change to stored answers: it copies, it does not alter what was said.
alter table feedback_answers disable trigger feedback_answers_append_only;
update feedback_answers a set submitted_at = r.submitted_at from feedback_responses r where r.id = a.response_id;
alter table feedback_answers enable trigger feedback_answers_append_only;
alter table feedback_answers alter column submitted_at set default now();
alter table feedback_answers alter column submitted_at set not null;

create index feedback_answers_form_idx on feedback_answers (form_id);
create index feedback_answers_recent_text_idx on feedback_answers (question_id, submitted_at desc) where text_value is not null;
