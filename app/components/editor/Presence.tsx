import { useEffect, useState } from "react";
import type { WebsocketProvider } from "y-websocket";

interface PresentUser {
  id: string;
  name: string;
  color: string;
  self: boolean;
}

function initials(name: string) {
  const parts = name.trim().split(/\s+/);
  return ((parts[0]?.[0] ?? "") + (parts.length > 1 ? parts[parts.length - 1][0] : "")).toUpperCase() || "?";
}

/** Avatars of everyone who has this document open (one per person, however many tabs). */
export function Presence({ provider, selfId }: { provider: WebsocketProvider; selfId: string }) {
  const [users, setUsers] = useState<PresentUser[]>([]);
  useEffect(() => {
    const read = () => {
      const byId = new Map<string, PresentUser>();
      for (const state of provider.awareness.getStates().values()) {
        const user = (state as { user?: { id?: string; name?: string; color?: string } }).user;
        if (!user?.id || !user.name) continue;
        byId.set(user.id, { id: user.id, name: user.name, color: user.color ?? "#666", self: user.id === selfId });
      }
      setUsers([...byId.values()].sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name)));
    };
    read();
    provider.awareness.on("change", read);
    return () => provider.awareness.off("change", read);
  }, [provider, selfId]);

  return (
    <ul className="presence" aria-label={`${users.length} ${users.length === 1 ? "person" : "people"} here`}>
      {users.map((u) => (
        <li key={u.id} className="avatar" style={{ backgroundColor: u.color }} title={u.self ? `${u.name} (you)` : u.name}>
          <span aria-hidden="true">{initials(u.name)}</span>
          <span className="visually-hidden">{u.self ? `${u.name} (you)` : u.name}</span>
        </li>
      ))}
    </ul>
  );
}
