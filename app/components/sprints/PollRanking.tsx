import type { PollResults } from "~/lib/sprints/votes";

const dotsText = (n: number) => `${n} ${n === 1 ? "dot" : "dots"}`;

/**
 * A revealed poll's ranking, the same for everyone: rank (ties marked), item, a bar and the dots,
 * with the decider's supervote shown apart (it never changes the ranking). Used by the vote panel
 * and the sprint summary.
 */
export function PollRanking({ title, results }: { title: string; results: PollResults }) {
  const max = Math.max(1, ...results.ranking.map((item) => item.dots));
  return (
    <div className="poll-results">
      <ol className="ranking" aria-label={`Ranking: ${title}`}>
        {results.ranking.map((item) => (
          <li key={item.id} className={`ranking-item${item.rank === 1 && item.dots > 0 ? " ranking-winner" : ""}`} data-testid="ranking-item">
            <span className="ranking-rank">
              <span className="visually-hidden">Rank </span>
              {item.rank}
              {item.tied ? (
                <>
                  {" "}
                  <span className="badge ranking-tie">tie</span>
                </>
              ) : null}
            </span>{" "}
            <span className="ranking-label">{item.label}</span>{" "}
            <span className="bar-track" aria-hidden="true">
              <span className="bar-fill" style={{ width: `${(item.dots / max) * 100}%` }} />
            </span>{" "}
            <span className="ranking-dots">{dotsText(item.dots)}</span>
          </li>
        ))}
      </ol>
      <p className="supervote-result" data-testid="supervote-result">
        {results.supervote ? (
          <>
            Decider’s supervote: <strong>{results.supervote.label}</strong>
          </>
        ) : (
          "The decider cast no supervote."
        )}
      </p>
      <p className="small muted">
        {dotsText(results.dotsCast)} from {results.voters} {results.voters === 1 ? "person" : "people"}.
      </p>
    </div>
  );
}
