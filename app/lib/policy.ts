/**
 * The one table of who may do what in a workspace. Every loader, action and
 * WebSocket upgrade asks `can(role, action)`; nothing else decides permissions.
 */

export const ROLES = ["owner", "facilitator", "editor", "commenter", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  owner: "Owner",
  facilitator: "Facilitator",
  editor: "Editor",
  commenter: "Commenter",
  viewer: "Viewer",
};

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  owner: "Manages members, settings and everything else",
  facilitator: "Runs sprints, manages goals and prototypes",
  editor: "Creates and edits prototypes",
  commenter: "Reads everything and comments",
  viewer: "Reads everything",
};

export const ACTIONS = [
  "workspace.view",
  "workspace.rename",
  "members.view",
  "members.invite",
  "members.changeRole",
  "members.remove",
  "goal.create",
  "goal.edit",
  "goal.archive",
  "prototype.create",
  "prototype.edit",
  "prototype.archive",
  "prototype.write", // the live document: editing its text
  "feedback.manage", // build, open, close feedback forms and their public links
  "workspace.integrations", // the Learning Record Store connection (credentials)
  "prototype.comment", // open comment threads, reply, resolve one's own threads
  "prototype.decide", // record a decision in the decision lane
  "comment.moderate", // delete anyone's comment
  "sprint.facilitate", // create and run sprints: phases, timer, votes, locks, the decider
  "sprint.participate", // take part in a sprint one is a participant of: ideas, dots
] as const;
export type Action = (typeof ACTIONS)[number];

const READ: Action[] = ["workspace.view", "members.view"];
/** Leaders review: commenters and everyone who may edit. */
const REVIEW: Action[] = ["prototype.comment", "prototype.decide", "sprint.participate"];
const WRITE_PROTOTYPES: Action[] = ["prototype.create", "prototype.edit", "prototype.write", "feedback.manage"];
const MANAGE_CONTENT: Action[] = [...WRITE_PROTOTYPES, "prototype.archive", "goal.create", "goal.edit", "goal.archive", "sprint.facilitate"];

export const PERMISSIONS: Record<Role, ReadonlySet<Action>> = {
  owner: new Set(ACTIONS),
  facilitator: new Set([...READ, ...REVIEW, ...MANAGE_CONTENT]),
  editor: new Set([...READ, ...REVIEW, ...WRITE_PROTOTYPES]),
  commenter: new Set([...READ, ...REVIEW]),
  viewer: new Set(READ),
};

export function can(role: Role | null | undefined, action: Action): boolean {
  return role ? PERMISSIONS[role].has(action) : false;
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}
