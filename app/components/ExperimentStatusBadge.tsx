import { STATUS_LABELS, type CardStatus } from "~/lib/experiments/cards";
import { Badge } from "./ui";

/** An experiment status badge that reads "Status: Running" to screen readers. */
export function ExperimentStatusBadge({ status }: { status: CardStatus }) {
  return (
    <Badge tone={`experiment-${status}`}>
      <span className="visually-hidden">Status: </span>
      {STATUS_LABELS[status]}
    </Badge>
  );
}
