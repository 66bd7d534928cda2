import { Link } from "@remix-run/react";

export function Brand({ to = "/" }: { to?: string }) {
  return (
    <Link to={to} className="brand" aria-label="Pilotlab home">
      <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
        <rect width="32" height="32" rx="7" fill="#3346d3" />
        <path d="M9 23V9h7.5a4.5 4.5 0 0 1 0 9H13v5z" fill="#fff" />
        <circle cx="23" cy="22" r="2.5" fill="#ffcf4a" />
      </svg>
      Pilotlab
    </Link>
  );
}
