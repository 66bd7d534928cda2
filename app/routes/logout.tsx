import { redirect, type ActionFunctionArgs } from "@remix-run/node";

/** GET changes nothing: it only goes home. */
export async function loader() {
  throw redirect("/");
}

export async function action({ context }: ActionFunctionArgs) {
  if (context.session) await context.services.sessions.invalidate(context.session.id);
  throw redirect("/login", { headers: { "Set-Cookie": context.services.sessions.blankCookie() } });
}
