import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Thanks } from "~/components/publicFeedback";
import feedbackStyles from "~/styles/feedback.css";

/** Where a participant lands after answering (post/redirect/get); it reads nothing and stores nothing. */

export const links: LinksFunction = () => [{ rel: "stylesheet", href: feedbackStyles }];

export const meta: MetaFunction = () => [{ title: "Thank you · Feedback" }, { name: "robots", content: "noindex" }];

export function loader({ request }: LoaderFunctionArgs) {
  const again = new URL(request.url).searchParams.get("note") === "again";
  return { note: again ? "We already have your answers from this page or this browser, so nothing was stored twice. Thank you!" : null };
}

export default function FeedbackThanks() {
  const { note } = useLoaderData<typeof loader>();
  return <Thanks note={note} />;
}
