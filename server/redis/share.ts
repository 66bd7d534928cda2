/**
 * The in-process buses made to span instances: a publish reaches local subscribers at once (as
 * before) and goes to Redis; what other instances publish arrives from Redis and is handed to
 * local subscribers only. Each subscriber gets every event exactly once, whichever instance stored it.
 */
import { AccessEvents, type AccessChange } from "../events.js";
import type { LiveEvents } from "../liveEvents.js";
import type { RedisFanout } from "./fanout.js";

/** Decodes a bus message from another instance (a throw is logged by the fan-out, never crashes). */
function decode<E>(payload: Buffer): E {
  return JSON.parse(payload.toString("utf8")) as E;
}

/** `bus` across every instance sharing `fanout` (the bus itself when there is none). */
export function shareLiveEvents<E>(bus: LiveEvents<E>, name: string, fanout: RedisFanout | null | undefined): LiveEvents<E> {
  if (!fanout) return bus;
  const channel = fanout.busChannel(name);
  void fanout.subscribe(channel, (payload) => bus.publish(decode<E>(payload)));
  return {
    publish(event) {
      bus.publish(event);
      fanout.publish(channel, Buffer.from(JSON.stringify(event)));
    },
    subscribe: (topic, listener) => bus.subscribe(topic, listener),
    get openStreams() {
      return bus.openStreams;
    },
  };
}

/**
 * Access changes across instances: a member removed through one instance loses their
 * collaboration connections and event streams on every instance, not only on that one.
 */
export class SharedAccessEvents extends AccessEvents {
  private readonly channel: string;

  constructor(private readonly fanout: RedisFanout) {
    super();
    this.channel = fanout.busChannel("access");
    void fanout.subscribe(this.channel, (payload) => super.emit(decode<AccessChange>(payload)));
  }

  override emit(change: AccessChange): void {
    super.emit(change);
    this.fanout.publish(this.channel, Buffer.from(JSON.stringify(change)));
  }
}
