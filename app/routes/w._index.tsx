import { redirect, type LoaderFunctionArgs } from "@remix-run/node";
import { z } from "zod";

/** Target of the workspace switcher (a GET form): navigates, changes nothing. */
export async function loader({ request }: LoaderFunctionArgs) {
  const choice = new URL(request.url).searchParams.get("workspace");
  if (choice === "new") throw redirect("/workspaces/new");
  const id = z.string().uuid().safeParse(choice);
  throw redirect(id.success ? `/w/${id.data}` : "/");
}
