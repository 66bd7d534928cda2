import { z } from "zod";
import {
  DESCRIPTION_MAX,
  EMAIL_MAX,
  INVITE_MAX_DAYS,
  NAME_MAX,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  TITLE_MAX,
  WORKSPACE_NAME_MAX,
} from "./limits";
import { ROLES } from "./policy";
import { STAGES } from "./domain";
import { optionalId, requiredText } from "./forms";

const email = z
  .string({ message: "Email is required." })
  .trim()
  .min(1, "Email is required.")
  .max(EMAIL_MAX, "That email is too long.")
  .email("Enter an email address like name@example.com.");

export const signupSchema = z.object({
  name: requiredText("Name", NAME_MAX),
  email,
  password: z
    .string({ message: "Password is required." })
    .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`)
    .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters.`),
});

export const loginSchema = z.object({
  email,
  password: z
    .string({ message: "Password is required." })
    .min(1, "Password is required.")
    .max(PASSWORD_MAX_LENGTH, `Use at most ${PASSWORD_MAX_LENGTH} characters.`),
  redirectTo: z.string().optional(),
});

export const workspaceNameSchema = z.object({ name: requiredText("Workspace name", WORKSPACE_NAME_MAX) });

export const roleSchema = z.enum(ROLES, { message: "Choose a role." });
export const stageSchema = z.enum(STAGES, { message: "Choose a stage." });

export const inviteSchema = z.object({
  role: roleSchema,
  expiresInDays: z.coerce
    .number({ message: "Choose how long the link works." })
    .int("Choose a whole number of days.")
    .min(1, "At least 1 day.")
    .max(INVITE_MAX_DAYS, `At most ${INVITE_MAX_DAYS} days.`),
});

export const goalSchema = z.object({
  title: requiredText("Title", TITLE_MAX),
  description: z
    .string()
    .optional()
    .default("")
    .pipe(z.string().max(DESCRIPTION_MAX, `Description must be at most ${DESCRIPTION_MAX} characters.`)),
  ownerId: optionalId("Choose an owner from the list."),
});

export const prototypeSchema = z.object({
  title: requiredText("Title", TITLE_MAX),
  stage: stageSchema,
  ownerId: optionalId("Choose an owner from the list."),
  goalId: optionalId("Choose a goal from the list."),
});
