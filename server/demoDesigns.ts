import { PLAN_STEPS, type PilotDesign } from "./collab/template.js";

/** The template's pilot-plan steps, the first `done` of them ticked off. */
const standardPlan = (done: number): PilotDesign["plan"] => PLAN_STEPS.map((text, i) => ({ text, done: i < done }));

/**
 * The demo workspace's prototype documents, written as a team would have filled in the template,
 * so a new user's first look (list excerpts, search, the editor) shows real content.
 * Keyed by prototype title.
 */
export const DEMO_DESIGNS: Record<string, PilotDesign> = {
  "Sales onboarding bootcamp in the flow of work": {
    problem: [
      "New account executives spend their first six weeks in classroom product training and shadow calls, then sit idle waiting for territory. Most of what they learned is forgotten by the first real discovery call.",
      "CRM data for the last three cohorts: median 7.1 months to first full quota month; reps who ran a live discovery call in week 3 reached it 6 weeks sooner.",
    ],
    audience: [
      "Two cohorts of 12 new account executives (Lisbon and Chicago), their 6 first-line sales managers, and 4 senior reps acting as deal buddies.",
    ],
    outcome: [
      "Leaders would see new reps booking qualified meetings from week 3 and the first full quota month arriving in under 5 months.",
    ],
    learningDesign: [
      "Four two-week sprints instead of a six-week classroom block. Each sprint: two 90-minute live sessions, one role-play with a deal buddy recorded and scored against the discovery rubric, and real calls on a starter territory from week 2.",
      "Managers run a 20-minute Friday debrief with each rep using the call-review card; product knowledge moves to 10-minute modules pulled up in the CRM when a deal needs them.",
    ],
    plan: standardPlan(2),
    measures: [
      "session rating of 4 or more out of 5 and an NPS of 30 or more",
      "discovery rubric score of 3 out of 4 on the week-4 role-play",
      "managers report at least 5 discovery calls per rep per week by week 6",
      "first full quota month in under 5 months for the pilot cohorts",
    ],
    risks: [
      "We assume managers will hold the Friday debrief every week",
      "We assume starter territories have enough open leads for real calls in week 2",
    ],
  },
  "Manager coaching circles": {
    problem: [
      "Only 38% of teams report a coaching conversation in the last month. New first-line managers say they were never shown what a coaching conversation looks like and fall back on status updates.",
    ],
    audience: ["Twenty first-line managers in their first year, in circles of four, across operations and customer support."],
    outcome: ["Leaders would see coaching conversations reported in at least 70% of pilot teams within three months."],
    learningDesign: [
      "Circles of four meet every other week for an hour with a trained peer facilitator: one manager brings a real situation, the others ask coaching questions only, and everyone commits to one conversation before the next circle.",
      "A one-page question card and a two-minute check-in after each circle keep the practice going between meetings.",
    ],
    plan: standardPlan(1),
    measures: [
      "circle rating of 4 or more out of 5",
      "managers can name the three coaching moves from the question card",
      "team members report a coaching conversation in the last two weeks",
      "engagement survey coaching item up 15 points in pilot teams",
    ],
    risks: ["We assume managers will protect an hour every other week for the circle", "We assume peer facilitators can be trained in half a day"],
  },
  "Five-minute safety huddles on the shift tablet": {
    problem: [
      "Recordable incidents cluster in the first 90 days of employment and on night shifts, when supervisors are thin on the floor. Toolbox talks happen once a month and new starters miss most of them.",
    ],
    audience: ["Night shifts at two warehouses: about 60 pickers and forklift drivers, 8 shift leads."],
    outcome: ["Leaders would see fewer recordable incidents among new starters on the pilot shifts within a quarter."],
    learningDesign: [
      "At the start of every shift the lead plays a five-minute huddle on the shift tablet: one near miss from this site, one question to the team, one thing to watch today. New starters answer one check question on the tablet.",
    ],
    plan: standardPlan(0),
    measures: [
      "shift leads rate the huddle useful after two weeks",
      "new starters answer 80% of check questions right",
      "near-miss reports per shift go up (people see and say more)",
      "recordable incidents among new starters halve on pilot shifts",
    ],
    risks: ["We assume shift leads will run the huddle without a supervisor present"],
  },
  "Deal-review clinics led by top performers": {
    problem: [
      "Mid-funnel deals stall for weeks because reps do not know how to re-engage a quiet buyer. Top performers handle this well, but their know-how stays in their heads.",
    ],
    audience: ["All 40 account executives in the region, with the 5 top performers of last year leading the clinics."],
    outcome: ["Leaders would see stalled deals move again and the sales cycle shorten by two weeks."],
    learningDesign: [
      "A weekly 45-minute clinic: a rep brings a stuck deal, a top performer walks through how they would re-engage the buyer, and the room drafts the next email together. Recordings go into a searchable library of plays.",
    ],
    plan: standardPlan(4),
    measures: [
      "clinic NPS of 40 or more",
      "reps can apply the re-engagement play in a role-play",
      "stalled deals get a next step within a week of the clinic",
      "sales cycle two weeks shorter across the region",
    ],
    risks: ["We assume top performers keep leading clinics once the novelty wears off"],
  },
};
