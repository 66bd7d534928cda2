import { data, redirect, type ActionFunctionArgs, type HeadersFunction, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, isRouteErrorResponse, useActionData, useLoaderData, useNavigation, useRouteError } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { newBrowserCookie, readBrowserId } from "~/lib/feedback/browserCookie.server";
import {
  ANSWER_TEXT_MAX,
  HONEYPOT_FIELD,
  answerField,
  formValues as answerValues,
  scale,
  whyField,
  type AnswerErrors,
  type Question,
} from "~/lib/feedback/questions";
import { readForm } from "~/lib/forms";
import feedbackStyles from "~/styles/feedback.css";
import { Message, Shell, Thanks } from "~/components/publicFeedback";

/**
 * The public page of a feedback form: no account, no workspace chrome. Every outcome (the form,
 * its errors, thanks, a wrong link, a closed form, too many answers) is a state of this one page.
 */

export const links: LinksFunction = () => [{ rel: "stylesheet", href: feedbackStyles }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data && data.state === "form" ? `${data.form.title} · Feedback` : "Feedback · Pilotlab" },
  { name: "robots", content: "noindex" },
];

type PageState =
  | { state: "form"; form: { title: string; intro: string; prototypeTitle: string; questions: Question[] }; submissionId: string }
  | { state: "notFound"; message: string }
  | { state: "closed"; message: string };

type Outcome =
  | { state: "thanks"; note: string | null }
  | { state: "invalid"; status: number; formError: string | null; errors: AnswerErrors; values: Record<string, string[]> }
  | { state: "notFound"; message: string }
  | { state: "closed"; message: string };

const NOT_FOUND = "This feedback link is not valid or has been turned off. Check that you copied the whole link, or ask the person who sent it for a new one.";

function noStore(extra: Record<string, string> = {}): Headers {
  // Each load carries a fresh submission id; a cached copy would make two answers look like one.
  const headers = new Headers({ "Cache-Control": "no-store", ...extra });
  return headers;
}

/** Never cached; the browser cookie set by the action wins over the one the loader would set. */
export const headers: HeadersFunction = ({ actionHeaders, loaderHeaders }) => {
  const out = new Headers({ "Cache-Control": "no-store" });
  const cookies = actionHeaders.getSetCookie().length ? actionHeaders.getSetCookie() : loaderHeaders.getSetCookie();
  for (const cookie of cookies) out.append("Set-Cookie", cookie);
  return out;
};

export async function loader({ context, request, params }: LoaderFunctionArgs) {
  const form = await context.services.feedback.publicForm(params.token ?? "");
  if (!form) return data<PageState>({ state: "notFound", message: NOT_FOUND }, { status: 404, headers: noStore() });
  if (form.status !== "open") {
    const message = form.status === "closed" ? "This form is closed and no longer takes answers. Thank you for your interest." : "This form is not open yet. Please try again later.";
    return data<PageState>({ state: "closed", message }, { status: 410, headers: noStore() });
  }
  const headers = noStore();
  if (!readBrowserId(request)) headers.append("Set-Cookie", newBrowserCookie(request).header);
  return data<PageState>(
    {
      state: "form",
      form: { title: form.title, intro: form.intro, prototypeTitle: form.prototypeTitle, questions: form.questions },
      submissionId: crypto.randomUUID(),
    },
    { headers },
  );
}

export async function action({ context, request, params }: ActionFunctionArgs) {
  const formData = await readForm(request);
  const headers = noStore();
  // A bot filled the field people never see: answer as if all went well, store nothing.
  const honeypot = formData.get(HONEYPOT_FIELD);
  if (honeypot !== null && (typeof honeypot !== "string" || honeypot.trim() !== "")) {
    context.logger.info({ route: "feedback.submit" }, "honeypot filled; response dropped");
    return data<Outcome>({ state: "thanks", note: null }, { headers });
  }
  let browserId = readBrowserId(request);
  if (!browserId) {
    // The page normally set it; a browser that refused or lost it gets one now.
    const cookie = newBrowserCookie(request);
    headers.append("Set-Cookie", cookie.header);
    browserId = cookie.id;
  }
  const values = answerValues(formData);
  const submissionId = formData.get("submissionId");
  const result = await context.services.feedback.submit({
    token: params.token ?? "",
    values,
    submissionId: typeof submissionId === "string" ? submissionId : "",
    ip: context.ip,
    browserId,
  });
  // Post/redirect/get: the thank-you page is its own URL, so reloading it sends nothing again
  // (and a stored answer costs one short request, not a page render).
  const thanksUrl = (note?: "again") => `/f/${encodeURIComponent(params.token ?? "")}/thanks${note ? `?note=${note}` : ""}`;
  if (result.ok) {
    context.services.feedbackEvents.publish({ formId: result.formId, responseId: result.responseId });
    throw redirect(thanksUrl(), { status: 303, headers });
  }
  switch (result.status) {
    case 404:
      return data<Outcome>({ state: "notFound", message: result.formError ?? NOT_FOUND }, { status: 404, headers });
    case 410:
      return data<Outcome>({ state: "closed", message: result.formError ?? "This form is closed." }, { status: 410, headers });
    case 409:
      // The same page sent twice, or this browser already answered: either way, nothing more to do.
      throw redirect(thanksUrl("again"), { status: 303, headers });
    default: {
      const kept: Record<string, string[]> = {};
      for (const [key, list] of values) if (key.startsWith("q_")) kept[key] = list.map((v) => v.slice(0, ANSWER_TEXT_MAX + 1));
      return data<Outcome>({ state: "invalid", status: result.status, formError: result.formError, errors: result.errors, values: kept }, { status: result.status, headers });
    }
  }
}

export default function PublicFeedbackPage() {
  const page = useLoaderData<typeof loader>() as PageState;
  const outcome = useActionData<typeof action>() as Outcome | undefined;
  if (outcome?.state === "thanks") return <Thanks note={outcome.note} />;
  if (outcome?.state === "notFound" || page.state === "notFound")
    return <Message code="404" title="This link doesn't work" message={outcome?.state === "notFound" ? outcome.message : page.state === "notFound" ? page.message : NOT_FOUND} />;
  if (outcome?.state === "closed" || page.state === "closed")
    return <Message code="410" title="This form is closed" message={outcome?.state === "closed" ? outcome.message : page.state === "closed" ? page.message : ""} />;
  return <FeedbackForm page={page} invalid={outcome?.state === "invalid" ? outcome : null} />;
}


/** Moves focus to a freshly shown heading, as a new page would. */



function FeedbackForm({ page, invalid }: { page: Extract<PageState, { state: "form" }>; invalid: Extract<Outcome, { state: "invalid" }> | null }) {
  const navigation = useNavigation();
  const sending = navigation.state === "submitting";
  const banner = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (invalid) banner.current?.focus();
  }, [invalid]);
  const errors = invalid?.errors ?? {};
  const values = invalid?.values ?? {};
  const firstError = page.form.questions.find((q) => errors[answerField(q.id)] || errors[whyField(q.id)]);
  return (
    <Shell>
      <p className="public-eyebrow">{page.form.prototypeTitle}</p>
      <h1>{page.form.title}</h1>
      {page.form.intro ? <p className="prose">{page.form.intro}</p> : null}
      {invalid ? (
        <div className="banner banner-error" role="alert" tabIndex={-1} ref={banner}>
          {invalid.formError ?? "Some answers need another look."}
          {firstError ? (
            <>
              {" "}
              <a href={`#${answerField(firstError.id)}`}>Go to the first one</a>
            </>
          ) : null}
        </div>
      ) : null}
      <p className="small muted">
        Questions marked <span className="required-mark">Required</span> need an answer.
      </p>
      <Form method="post" noValidate className="public-form">
        <input type="hidden" name="submissionId" value={page.submissionId} />
        <div className="hp" aria-hidden="true">
          <label htmlFor="hp-field">Leave this field empty</label>
          <input id="hp-field" type="text" name={HONEYPOT_FIELD} tabIndex={-1} autoComplete="off" defaultValue="" />
        </div>
        {page.form.questions.map((q, i) => (
          <QuestionInput key={q.id} q={q} index={i} error={errors[answerField(q.id)]} whyError={errors[whyField(q.id)]} values={values} />
        ))}
        <button type="submit" className="button public-submit" aria-disabled={sending || undefined}>
          {sending ? "Sending…" : "Send answers"}
        </button>
      </Form>
    </Shell>
  );
}

const RequiredMark = () => <span className="required-mark">Required</span>;

function QuestionInput({ q, index, error, whyError, values }: { q: Question; index: number; error?: string; whyError?: string; values: Record<string, string[]> }) {
  const name = answerField(q.id);
  const errorId = `${name}-error`;
  const helpId = `${name}-help`;
  const describedBy = [q.help ? helpId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;
  const sent = values[name] ?? [];
  const help = q.help ? (
    <p className="field-hint" id={helpId}>
      {q.help}
    </p>
  ) : null;
  const errorText = error ? (
    <p className="field-error" id={errorId}>
      {error}
    </p>
  ) : null;
  const number = <span className="question-number">{index + 1}.</span>;

  if (q.kind === "text") {
    return (
      <div className={`question${error ? " question-invalid" : ""}`}>
        <label htmlFor={name} className="question-prompt">
          {number} {q.prompt} {q.required ? <RequiredMark /> : null}
        </label>
        {help}
        <textarea
          id={name}
          name={name}
          rows={4}
          maxLength={ANSWER_TEXT_MAX}
          required={q.required}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          defaultValue={sent[0] ?? ""}
        />
        {errorText}
      </div>
    );
  }

  const range = scale(q.kind);
  const options = range
    ? Array.from({ length: range.max - range.min + 1 }, (_, i) => {
        const v = range.min + i;
        const low = q.lowLabel || (q.kind === "nps" ? "Not at all likely" : "");
        const high = q.highLabel || (q.kind === "nps" ? "Extremely likely" : "");
        const end = v === range.min ? low : v === range.max ? high : "";
        return { value: String(v), label: String(v), end };
      })
    : q.choices.map((c) => ({ value: c.id, label: c.label, end: "" }));
  const type = q.kind === "multiple" ? "checkbox" : "radio";

  return (
    <fieldset className={`question${error ? " question-invalid" : ""}`} id={name} tabIndex={-1} aria-describedby={describedBy}>
      <legend className="question-prompt">
        {number} {q.prompt} {q.required ? <RequiredMark /> : null}
      </legend>
      {help}
      {range ? (
        <div className={`scale scale-${q.kind}`}>
          {options.map((o) => (
            <label key={o.value} className="scale-option">
              <input
                type="radio"
                name={name}
                value={o.value}
                required={q.required}
                aria-invalid={error ? true : undefined}
                defaultChecked={sent.includes(o.value)}
              />
              <span className="scale-number">{o.label}</span>
              {o.end ? <span className="visually-hidden"> – {o.end}</span> : null}
            </label>
          ))}
        </div>
      ) : (
        <div className="choices">
          {options.map((o) => (
            <label key={o.value} className="choice-option">
              <input type={type} name={name} value={o.value} aria-invalid={error ? true : undefined} defaultChecked={sent.includes(o.value)} /> {o.label}
            </label>
          ))}
        </div>
      )}
      {range && (options[0].end || options[options.length - 1].end) ? (
        <div className="scale-ends" aria-hidden="true">
          <span>
            {options[0].value} = {options[0].end || "—"}
          </span>
          <span>
            {options[options.length - 1].value} = {options[options.length - 1].end || "—"}
          </span>
        </div>
      ) : null}
      {errorText}
      {q.kind === "nps" ? (
        <div className={`field why-field${whyError ? " field-invalid" : ""}`}>
          <label htmlFor={whyField(q.id)}>Why did you give this score? (optional)</label>
          <textarea
            id={whyField(q.id)}
            name={whyField(q.id)}
            rows={3}
            maxLength={ANSWER_TEXT_MAX}
            aria-invalid={whyError ? true : undefined}
            aria-describedby={whyError ? `${whyField(q.id)}-error` : undefined}
            defaultValue={values[whyField(q.id)]?.[0] ?? ""}
          />
          {whyError ? (
            <p className="field-error" id={`${whyField(q.id)}-error`}>
              {whyError}
            </p>
          ) : null}
        </div>
      ) : null}
    </fieldset>
  );
}

/** Anything unexpected, without the workspace links of the app's own error page. */
export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  return (
    <Shell>
      <p className="public-code" aria-hidden="true">
        {status}
      </p>
      <h1>{status === 413 ? "Your answers were too long" : "Something went wrong"}</h1>
      <p>{status === 413 ? "Please shorten your answers and send them again." : "Your answers may not have been saved. Please reload the page and try again."}</p>
    </Shell>
  );
}
