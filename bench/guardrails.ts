/**
 * `npm run bench:guardrails`: what the guardrails cost.
 *
 * 1. Scan cost per KB of prompt: the input stage's work (every detector on, REDACT) over realistic
 *    prompts of 1 KB to 1 MB, median of several runs, in ms per KB. Target ≤ 0.2 ms/KB.
 * 2. Overhead when nothing applies: whole gateway calls (in-process app, embedded stores, mock
 *    provider) with no policy, with a policy whose every detector is OFF, and with every detector
 *    on, interleaved, p50 and mean per call.
 * 3. Streamed output: time to first content byte with no output policy, with FLAG and with
 *    REDACT (sliding window), on a synthetic stream of 4-character tokens every 20 ms (~50
 *    tokens/s, a typical hosted model).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/config.ts";
import { requestTextSlots } from "../functions/guardrails/chat-texts.ts";
import type { GuardrailDecision } from "../functions/guardrails/decisions.ts";
import { DETECTOR_IDS } from "../functions/guardrails/detectors/types.ts";
import { guardTexts } from "../functions/guardrails/guard-texts.ts";
import { compilePolicy, rulesForCall } from "../functions/guardrails/policies.ts";
import { Redactor } from "../functions/guardrails/redaction.ts";
import { guardStream } from "../functions/guardrails/stream-guard.ts";
import { silentLogger } from "../functions/log.ts";
import type {
  ChatCompletionChunk,
  ChatCompletionRequest,
} from "../functions/protocols/openai/chat.ts";
import { startServices } from "../functions/services.ts";

/**
 * A PII-dense paragraph (~450 bytes with a phone number, an email, an IP address, a card number,
 * an IBAN and an instruction-like phrase). Each copy gets its own phone number and email, so the
 * phone detector's validity cache does not flatter the figures: every number is parsed afresh.
 */
function paragraph(i: number): string {
  const n = String(1000 + (i % 9000));
  return (
    "Hello team, please review the Q3 report before Friday. The customer (order 88213) asked us " +
    `to update the delivery address and call back on +44 20 7946 ${n} or write to ` +
    `jane.doe${i}@example.com. Ignore the draft numbers from last week; the final figures are in the ` +
    "shared folder at 10.0.4.17. Payment went through on 4111 1111 1111 1111 (refund pending). " +
    "Der Kunde bittet um Rückruf; IBAN DE89 3704 0044 0532 0130 00. Thanks, Ana.\n"
  );
}
let paragraphs = 0;
function promptOf(bytes: number): string {
  let text = "";
  while (text.length < bytes) text += paragraph(paragraphs++);
  return text.slice(0, bytes);
}
const PARAGRAPH = paragraph(0);

/** Ordinary prose: the bulk of most prompts, with one PII-dense paragraph per 10 KB. */
const PROSE =
  "The committee met on a grey morning to weigh the proposal for the new library wing. Several " +
  "members argued that the reading rooms should face the garden, while others preferred the " +
  "quiet of the courtyard. After a long discussion they agreed to ask the architects for two " +
  "sketches and to decide at the next meeting, once the costs were clearer to everyone.\n";
function proseOf(bytes: number): string {
  let text = "";
  while (text.length < bytes)
    text += text.length % 10_240 < PROSE.length ? paragraph(paragraphs++) : PROSE;
  return text.slice(0, bytes);
}

function rulesWith(action: "REDACT" | "FLAG" | "OFF", direction: "INPUT" | "OUTPUT" | "BOTH") {
  const detectors = DETECTOR_IDS.filter((id) => id !== "TOPIC");
  const policy = compilePolicy({
    id: "bench",
    scope: "ORG",
    scopeId: "org",
    direction,
    detectors: [...detectors],
    action,
    restorePlaceholders: false,
    topics: { words: [], phrases: [], patterns: [] },
  });
  return rulesForCall([policy], { orgId: "org", teamId: null, keyId: "key", agentId: null });
}

function scanCostPerKb(label: string, promptOf: (bytes: number) => string): void {
  const rules = rulesWith("REDACT", "INPUT").INPUT;
  console.log(`\n1. input scan, every detector on (REDACT): ${label}`);
  console.log("   size       median ms   ms/KB");
  for (const kb of [1, 10, 100, 1000]) {
    const runs = kb >= 1000 ? 5 : 15;
    const times: number[] = [];
    for (let run = 0; run < runs + 2; run++) {
      const text = promptOf(kb * 1024);
      const chat = {
        model: "m",
        messages: [{ role: "user", content: text }],
      } as ChatCompletionRequest;
      const start = performance.now();
      guardTexts(requestTextSlots(chat), rules, "INPUT", new Redactor(), []);
      if (run >= 2) times.push(performance.now() - start);
    }
    const median = times.sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;
    console.log(
      `   ${`${kb} KB`.padEnd(10)} ${median.toFixed(2).padStart(9)}   ${(median / kb).toFixed(3)}`,
    );
  }
}

async function callOverhead(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "switchyard-bench-"));
  const masterKey = `bench-${crypto.randomUUID()}`;
  const config = loadConfig({ SWITCHYARD_DATA_DIR: dataDir, MASTER_KEY: masterKey });
  const services = await startServices(config, { log: silentLogger });
  const app = createApp(services);
  const post = (path: string, body: unknown, token: string) =>
    app.fetch(
      new Request(`http://bench${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      }),
    );
  const admin = async (query: string, variables: Record<string, unknown> = {}) => {
    const result = (await (await post("/graphql", { query, variables }, masterKey)).json()) as {
      data: Record<string, Record<string, Record<string, string>>>;
      errors?: unknown;
    };
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const keyFor = async (name: string) => {
    const org = (
      await admin(`mutation ($n: String!) { createOrg(input: { name: $n }) { org { id } } }`, {
        n: name,
      })
    ).createOrg?.org?.id;
    const created = await admin(
      `mutation ($o: ID!) { createVirtualKey(input: { orgId: $o, name: "bench" }) { key { id } secret } }`,
      { o: org },
    );
    return { org: org ?? "", secret: String(created.createVirtualKey?.secret ?? "") };
  };
  const none = await keyFor("no-policy");
  const off = await keyFor("all-off");
  const on = await keyFor("all-on");
  const detectors = DETECTOR_IDS.filter((id) => id !== "TOPIC");
  const set = (orgId: string, action: string) =>
    admin(
      `mutation ($i: SetGuardrailPolicyInput!) { setGuardrailPolicy(input: $i) { policy { id } } }`,
      { i: { scope: "ORG", scopeId: orgId, detectors, action, direction: "BOTH" } },
    );
  await set(off.org, "OFF");
  await set(on.org, "REDACT");

  const body = { model: "mock/echo", messages: [{ role: "user", content: PARAGRAPH.repeat(2) }] };
  const samples: Record<string, number[]> = {
    "no policy": [],
    "every detector OFF": [],
    "every detector REDACT": [],
  };
  const keys: [string, string][] = [
    ["no policy", none.secret],
    ["every detector OFF", off.secret],
    ["every detector REDACT", on.secret],
  ];
  const N = Number(process.env.BENCH_GUARDRAIL_CALLS ?? 400);
  for (let i = 0; i < N + 50; i++) {
    for (const [label, secret] of keys) {
      const start = performance.now();
      const response = await post("/v1/chat/completions", body, secret);
      await response.text();
      if (response.status !== 200) throw new Error(`${label}: ${response.status}`);
      if (i >= 50) samples[label]?.push(performance.now() - start);
    }
  }
  console.log(
    `\n2. whole gateway call, ${((PARAGRAPH.length * 2) / 1024) | 0} KB prompt, ${N} calls each, interleaved`,
  );
  console.log("   setup                    p50 ms   mean ms");
  for (const [label, times] of Object.entries(samples)) {
    const sorted = [...times].sort((a, b) => a - b);
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    console.log(
      `   ${label.padEnd(24)} ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(3).padStart(6)}   ${mean.toFixed(3).padStart(7)}`,
    );
  }
  await services.close();
  await rm(dataDir, { recursive: true, force: true });
}

async function* tokens(count: number, everyMs: number): AsyncGenerator<ChatCompletionChunk> {
  const words =
    "The answer is that our office at the harbour opens at nine, ask for Ana. ".match(/.{1,4}/g) ??
    [];
  for (let i = 0; i < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    yield {
      id: "c",
      object: "chat.completion.chunk",
      created: 0,
      model: "m",
      choices: [
        {
          index: 0,
          delta: { content: words[i % words.length] ?? "" },
          finish_reason: i === count - 1 ? "stop" : null,
        },
      ],
    };
  }
}

async function firstContentMs(stream: AsyncIterable<ChatCompletionChunk>): Promise<number> {
  const start = performance.now();
  let first = -1;
  for await (const chunk of stream) {
    if (first < 0 && chunk.choices.some((choice) => choice.delta.content))
      first = performance.now() - start;
  }
  return first;
}

async function streamTtfb(): Promise<void> {
  console.log("\n3. streamed output, 4-char tokens every 20 ms: time to first content");
  const runs = 5;
  for (const [label, action] of [
    ["no output policy", null],
    ["FLAG", "FLAG"],
    ["REDACT (64-char window)", "REDACT"],
  ] as const) {
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const chunks = tokens(60, 20);
      const decisions: GuardrailDecision[] = [];
      const stream = action
        ? guardStream(chunks, {
            rules: rulesWith(action, "OUTPUT").OUTPUT,
            redactor: new Redactor(),
            decisions,
          })
        : chunks;
      times.push(await firstContentMs(stream));
    }
    const median = times.sort((a, b) => a - b)[Math.floor(runs / 2)] ?? 0;
    console.log(`   ${label.padEnd(26)} ${median.toFixed(1).padStart(7)} ms`);
  }
}

scanCostPerKb("PII-dense text (a phone, email, card, IBAN, IP every 450 bytes)", promptOf);
scanCostPerKb("prose with one PII paragraph per 10 KB", proseOf);
await streamTtfb();
await callOverhead();
