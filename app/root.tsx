import type { LinksFunction, MetaFunction } from "@remix-run/node";
import { Link, Links, Meta, Outlet, Scripts, ScrollRestoration, isRouteErrorResponse, useLocation, useRouteError } from "@remix-run/react";
import { useEffect, useRef } from "react";
import stylesheet from "./styles/app.css";

export const links: LinksFunction = () => [
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
  { rel: "stylesheet", href: stylesheet },
];

export const meta: MetaFunction = () => [
  { title: "Pilotlab" },
  { name: "description", content: "Co-design, test and prove learning pilots with your leaders." },
];

export function Layout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

/**
 * After a client-side move to another page, focus goes to the page's main region (as a full
 * page load would reset it), unless the new page focused a field itself. Changes of the query
 * string alone (filters, search) leave focus where the user is.
 */
function useFocusOnPageChange() {
  const { pathname } = useLocation();
  const previous = useRef(pathname);
  useEffect(() => {
    if (previous.current === pathname) return;
    previous.current = pathname;
    const active = document.activeElement;
    if (active && active !== document.body && active.closest("main")) return;
    const main = document.getElementById("main");
    if (!main) return;
    if (!main.hasAttribute("tabindex")) main.setAttribute("tabindex", "-1");
    main.focus({ preventScroll: true });
  }, [pathname]);
}

export default function App() {
  useFocusOnPageChange();
  return <Outlet />;
}

const ERROR_COPY: Record<number, { title: string; body: string }> = {
  403: { title: "You don't have access to this", body: "Your role in this workspace doesn't allow this. Ask a workspace owner if you need it." },
  404: { title: "Page not found", body: "We couldn't find that page. It may have been moved, archived, or you may not be a member of its workspace." },
  413: { title: "That was too large", body: "The request was larger than Pilotlab accepts." },
};

/** The 403, 404 and 500 pages. */
export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const copy = ERROR_COPY[status] ?? {
    title: "Something went wrong",
    body: "An unexpected error happened on our side. Your data is safe; please try again.",
  };
  const detail = isRouteErrorResponse(error) && typeof error.data === "string" && status !== 500 ? error.data : null;
  return (
    <main id="main" className="error-page">
      <p className="error-code">{status}</p>
      <h1>{copy.title}</h1>
      <p>{detail ?? copy.body}</p>
      <p>
        <Link className="button" to="/">
          Go to your workspaces
        </Link>
      </p>
    </main>
  );
}
