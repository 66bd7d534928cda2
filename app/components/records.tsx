import { Form, Link, useActionData, useNavigation } from "@remix-run/react";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { STAGES, STAGE_LABELS, type Stage } from "~/lib/domain";
import { Badge, SubmitButton } from "./ui";

/** Shared pieces of the goal and prototype pages. */

export interface MemberOption {
  userId: string;
  name: string;
}

export interface GoalOption {
  id: string;
  title: string;
  archivedAt?: Date | string | null;
}

/** Owner choices: "No owner", then members, the current user marked. */
export function ownerOptions(members: MemberOption[], currentUserId: string) {
  return [
    { value: "", label: "No owner" },
    ...members.map((m) => ({ value: m.userId, label: m.userId === currentUserId ? `${m.name} (you)` : m.name })),
  ];
}

/** Goal choices with a leading empty option; archived goals are marked as such. */
export function goalOptions(goals: GoalOption[], emptyLabel: string) {
  return [{ value: "", label: emptyLabel }, ...goals.map((g) => ({ value: g.id, label: g.archivedAt ? `${g.title} (archived)` : g.title }))];
}

export const stageOptions = STAGES.map((s) => ({ value: s, label: STAGE_LABELS[s] }));

/** A stage badge that reads "Stage: Piloting" to screen readers. */
export function StageBadge({ stage }: { stage: Stage }) {
  return (
    <Badge tone={stage}>
      <span className="visually-hidden">Stage: </span>
      {STAGE_LABELS[stage]}
    </Badge>
  );
}

/** The archive / restore button of a goal or prototype page (a POST with an intent). */
export function ArchiveForm({ archived, description }: { archived: boolean; description: string }) {
  return (
    <Form method="post" className="inline-form">
      {archived ? (
        <SubmitButton intent="restore" className="button button-secondary" pendingText="Restoring…" title={description}>
          Restore
        </SubmitButton>
      ) : (
        <SubmitButton intent="archive" className="button button-danger" pendingText="Archiving…" title={description}>
          Archive
        </SubmitButton>
      )}
    </Form>
  );
}

/** Active / Archived switch for a list; links, because it changes what is shown, not data. */
export function ArchiveTabs({ label, archived, activeHref, archivedHref }: { label: string; archived: boolean; activeHref: string; archivedHref: string }) {
  return (
    <nav className="view-tabs" aria-label={label}>
      <Link to={activeHref} aria-current={archived ? undefined : "page"} preventScrollReset>
        Active
      </Link>
      <Link to={archivedHref} aria-current={archived ? "page" : undefined} preventScrollReset>
        Archived
      </Link>
    </nav>
  );
}

/** A definition list of a record's facts. */
export function Facts({ items }: { items: { term: string; value: ReactNode }[] }) {
  return (
    <dl className="facts">
      {items.map((item) => (
        <div key={item.term}>
          <dt>{item.term}</dt>
          <dd>{item.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * Says "saved" after a form with this intent was submitted and the action redirected
 * (no action data means success under PRG). The live region is always rendered so
 * screen readers announce the change.
 */
export function SavedStatus({ intent, children }: { intent: string; children: ReactNode }) {
  const navigation = useNavigation();
  const actionData = useActionData<{ intent?: string | null } | undefined>();
  const submitted = useRef(false);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (navigation.state === "submitting") {
      submitted.current = navigation.formData?.get("intent") === intent;
      setSaved(false);
    } else if (navigation.state === "idle" && submitted.current) {
      submitted.current = false;
      setSaved(actionData?.intent !== intent);
    }
  }, [navigation.state, navigation.formData, actionData, intent]);
  return (
    <p className="save-status" role="status">
      {saved ? children : null}
    </p>
  );
}

/** An empty state for a list that already sits under an h2 (ui.tsx's EmptyState opens with an h2). */
export function ListEmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="empty-state">
      <h3>{title}</h3>
      {children ? <p>{children}</p> : null}
      {action}
    </div>
  );
}
