import type { MetaFunction } from "@remix-run/node";
import { notFound } from "~/lib/guards.server";

export const meta: MetaFunction = () => [{ title: "Page not found · Pilotlab" }];

/** Any URL no other route claims: a real 404 status, rendered by the root ErrorBoundary. */
export async function loader() {
  throw notFound("We couldn't find that page. Check the address, or go back to your workspaces.");
}

export default function NotFound() {
  return null;
}
