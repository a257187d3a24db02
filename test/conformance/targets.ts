/**
 * The targets every client calls, one per adapter. `prepare` scripts what the target's fake
 * answers to a plain prompt and returns the text the client must receive;
 * `prepareToolRoundTrip` scripts a call of get_weather({city: "Paris"}) with id `call_weather`,
 * then WEATHER_ANSWER; `toolResultSent` reads, in the provider's own wire format, the tool result
 * the fake received last, so a round trip proves the result reached the upstream.
 */
import type { ConformanceGateway } from "./conformance-gateway.ts";

export const WEATHER_ANSWER = "It is 18°C in Paris.";
const ANSWER_DELTAS = ["It is", " 18°C in Paris."];

/** A tool result as an upstream received it: the call it answers and its text. */
export interface ToolResultSent {
  /** The call's id; Gemini's functionResponse carries no id, so there the function's name. */
  ref: string;
  content: string;
}

export interface Target {
  name: string;
  model: string;
  prepare(conformance: ConformanceGateway, prompt: string, stream: boolean): string;
  /** Absent for mock/echo, which never calls tools. */
  prepareToolRoundTrip?(conformance: ConformanceGateway, stream: boolean): void;
  toolResultSent?(conformance: ConformanceGateway): ToolResultSent | undefined;
  /** What `ToolResultSent.ref` must be for the round trip's call. */
  toolRef?: string;
}

type Json = Record<string, unknown>;

function lastBody(requests: ReadonlyArray<{ body: unknown }>): Json {
  return (requests.at(-1)?.body ?? {}) as Json;
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}

/** Text blocks joined (`[{type:"text",text}]` or `[{text}]`), a string as it is. */
function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  return list(content)
    .map((block) =>
      typeof block.text === "string" ? block.text : JSON.stringify(block.json ?? block),
    )
    .join("");
}

/** OpenAI's Chat Completions (OpenAI-compatible and Azure): a `role: "tool"` message. */
function openAIToolResult(requests: ReadonlyArray<{ body: unknown }>): ToolResultSent | undefined {
  const message = list(lastBody(requests).messages).find((entry) => entry.role === "tool");
  if (!message) return undefined;
  return { ref: String(message.tool_call_id), content: textOf(message.content) };
}

const openAIToolCall = { id: "call_weather", name: "get_weather", arguments: '{"city":"Paris"}' };

export const TARGETS: Target[] = [
  {
    name: "mock/echo",
    model: "mock/echo",
    prepare: (_conformance, prompt) => `Echo: ${prompt}`,
  },
  {
    name: "an OpenAI-compatible upstream",
    model: "upstream/gpt-4o-mini",
    prepare(conformance, _prompt, stream) {
      conformance.upstream.script({
        kind: stream ? "stream" : "complete",
        deltas: ["Bonjour", " from", " upstream"],
      });
      return "Bonjour from upstream";
    },
    prepareToolRoundTrip(conformance, stream) {
      const kind = stream ? "stream" : "complete";
      conformance.upstream.script(
        { kind, deltas: [], toolCalls: [openAIToolCall] },
        { kind, deltas: ANSWER_DELTAS },
      );
    },
    toolResultSent: (conformance) => openAIToolResult(conformance.upstream.requests),
    toolRef: "call_weather",
  },
  {
    name: "anthropic",
    model: "claude/claude-sonnet-4-20250514",
    prepare(conformance, _prompt, stream) {
      conformance.anthropic.script({
        kind: stream ? "stream" : "complete",
        deltas: ["Bonjour", " from", " Claude"],
      });
      return "Bonjour from Claude";
    },
    prepareToolRoundTrip(conformance, stream) {
      const kind = stream ? "stream" : "complete";
      conformance.anthropic.script(
        {
          kind,
          deltas: [],
          toolUses: [{ id: "call_weather", name: "get_weather", input: { city: "Paris" } }],
        },
        { kind, deltas: ANSWER_DELTAS },
      );
    },
    // A `tool_result` block in a user turn.
    toolResultSent(conformance) {
      for (const message of list(lastBody(conformance.anthropic.requests).messages)) {
        const block = list(message.content).find((entry) => entry.type === "tool_result");
        if (block) return { ref: String(block.tool_use_id), content: textOf(block.content) };
      }
      return undefined;
    },
    toolRef: "call_weather",
  },
  {
    name: "azure-openai",
    model: "azure/gpt-4o",
    prepare(conformance, _prompt, stream) {
      conformance.azure.script({
        kind: stream ? "stream" : "complete",
        deltas: ["Bonjour", " from", " Azure"],
      });
      return "Bonjour from Azure";
    },
    prepareToolRoundTrip(conformance, stream) {
      const kind = stream ? "stream" : "complete";
      conformance.azure.script(
        { kind, deltas: [], toolCalls: [openAIToolCall] },
        { kind, deltas: ANSWER_DELTAS },
      );
    },
    toolResultSent: (conformance) => openAIToolResult(conformance.azure.requests),
    toolRef: "call_weather",
  },
  {
    name: "gemini",
    model: "gemini/gemini-2.5-flash",
    prepare(conformance, _prompt, stream) {
      conformance.gemini.script({
        kind: stream ? "stream" : "complete",
        deltas: ["Bonjour", " from", " Gemini"],
      });
      return "Bonjour from Gemini";
    },
    prepareToolRoundTrip(conformance, stream) {
      const kind = stream ? "stream" : "complete";
      conformance.gemini.script(
        {
          kind,
          deltas: [],
          // Gemini numbers a call when it likes; with an id the client sees the same one.
          functionCalls: [{ id: "call_weather", name: "get_weather", args: { city: "Paris" } }],
        },
        { kind, deltas: ANSWER_DELTAS },
      );
    },
    // A `functionResponse` part, named after its function; text rides under `content`.
    toolResultSent(conformance) {
      for (const content of list(lastBody(conformance.gemini.requests).contents)) {
        const part = list(content.parts).find((entry) => entry.functionResponse);
        if (!part) continue;
        const { name, response } = part.functionResponse as { name: string; response: Json };
        const keys = Object.keys(response);
        const text =
          keys.length === 1 && typeof response.content === "string"
            ? response.content
            : JSON.stringify(response);
        return { ref: name, content: text };
      }
      return undefined;
    },
    toolRef: "get_weather",
  },
  {
    name: "bedrock",
    model: "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
    prepare(conformance, _prompt, stream) {
      conformance.bedrock.script({
        kind: stream ? "stream" : "complete",
        deltas: ["Bonjour", " from", " Bedrock"],
      });
      return "Bonjour from Bedrock";
    },
    prepareToolRoundTrip(conformance, stream) {
      const kind = stream ? "stream" : "complete";
      conformance.bedrock.script(
        {
          kind,
          deltas: [],
          toolUses: [{ toolUseId: "call_weather", name: "get_weather", input: { city: "Paris" } }],
        },
        { kind, deltas: ANSWER_DELTAS },
      );
    },
    // A `toolResult` content block in a user turn.
    toolResultSent(conformance) {
      for (const message of list(lastBody(conformance.bedrock.requests).messages)) {
        const block = list(message.content).find((entry) => entry.toolResult);
        if (!block) continue;
        const result = block.toolResult as { toolUseId: string; content: unknown };
        return { ref: result.toolUseId, content: textOf(result.content) };
      }
      return undefined;
    },
    toolRef: "call_weather",
  },
];
