import { redirect, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Link } from "@remix-run/react";
import { Brand } from "~/components/Brand";

export const meta: MetaFunction = () => [{ title: "Pilotlab · Co-design learning pilots that prove themselves" }];

/** Signed-in users go to their first workspace (or to create one); others see the landing page. */
export async function loader({ context }: LoaderFunctionArgs) {
  if (!context.user) return null;
  const workspaces = await context.services.workspaces.listForUser(context.user.id);
  if (workspaces.length === 0) throw redirect("/workspaces/new");
  throw redirect(`/w/${workspaces[0].id}`);
}

export default function Landing() {
  return (
    <main id="main" className="landing">
      <header className="page-header">
        <Brand />
        <div className="page-actions">
          <Link to="/login" className="button button-secondary">
            Log in
          </Link>
          <Link to="/signup" className="button">
            Create an account
          </Link>
        </div>
      </header>
      <section className="landing-hero">
        <h1>Design learning pilots with your leaders, test them fast, and prove they change how people work.</h1>
        <p>Pilotlab is one realtime workspace for learning teams and business leaders: co-edit prototypes, run experiment cards, and close the loop with feedback from pilot participants.</p>
        <Link to="/signup" className="button">
          Start a workspace
        </Link>
      </section>
      <div className="landing-grid">
        <div className="card">
          <h2>Co-edit prototypes</h2>
          <p className="muted">A pilot's design doc, written together live by the whole cross-functional team.</p>
        </div>
        <div className="card">
          <h2>Run experiments</h2>
          <p className="muted">Turn every risky assumption into a test card and record what you learned.</p>
        </div>
        <div className="card">
          <h2>Close feedback loops</h2>
          <p className="muted">Forms for participants, results by Kirkpatrick level, tied to a business goal.</p>
        </div>
      </div>
    </main>
  );
}
