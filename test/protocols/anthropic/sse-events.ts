/** A whole SSE body as its named events, parsed with eventsource-parser as a client would. */
import { createParser } from "eventsource-parser";

export interface NamedEvent {
  event: string | undefined;
  data: Record<string, unknown>;
}

export function parseSseEvents(text: string): NamedEvent[] {
  const events: NamedEvent[] = [];
  const parser = createParser({
    onEvent: (event) => events.push({ event: event.event, data: JSON.parse(event.data) }),
  });
  parser.feed(text);
  return events;
}
