/**
 * `npm run bench:guardrails`: what the guardrails cost.
 *
 * 1. Scan cost per KB of prompt at 1, 10 and 100 KB, PII-dense and prose: each detector alone and
 *    the input stage's whole work (every detector on, REDACT), in CPU ms per KB (process.cpuUsage,
 *    robust to a shared machine) and wall ms per KB, after a warm-up. Target ≤ 0.2 ms/KB.
 *    `--scan-only` stops after this part.
 * 2. Overhead when nothing applies: whole gateway calls (in-process app, embedded stores, mock
 *    provider) with no policy, with a policy whose every detector is OFF, and with every detector
 *    on, interleaved, p50 and mean per call.
 * 3. Streamed output: time to first content byte with no output policy, with FLAG and with
 *    REDACT (the window releases at word boundaries), on a synthetic stream of 4-character tokens every 20 ms (~50
 *    tokens/s, a typical hosted model).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../functions/app.ts";
import { loadConfig } from "../functions/config.ts";
import { requestTextSlots } from "../functions/guardrails/chat-texts.ts";
import { compilePolicy } from "../functions/guardrails/compile-policy.ts";
import type { GuardrailDecision } from "../functions/guardrails/decisions.ts";
import {
  BUILT_IN_DETECTORS,
  type BuiltInDetectorId,
} from "../functions/guardrails/detectors/index.ts";
import { DETECTOR_IDS, type DetectorId } from "../functions/guardrails/detectors/types.ts";
import { guardTexts } from "../functions/guardrails/guard-texts.ts";
import { rulesForCall } from "../functions/guardrails/policies.ts";
import { Redactor } from "../functions/guardrails/redaction.ts";
import { guardStream } from "../functions/guardrails/stream-guard.ts";
import { silentLogger } from "../functions/log.ts";
import type {
  ChatCompletionChunk,
  ChatCompletionRequest,
} from "../functions/protocols/openai/chat.ts";
import { startServices } from "../functions/services.ts";
import { piiDenseText, piiParagraph, proseText } from "../test/guardrails/sample-texts.ts";

const PARAGRAPH = piiParagraph(0);

function rulesWith(
  action: "REDACT" | "FLAG" | "OFF",
  direction: "INPUT" | "OUTPUT" | "BOTH",
  detectors: readonly DetectorId[] = DETECTOR_IDS.filter((id) => id !== "TOPIC"),
) {
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

type Scan = (text: string) => void;

/**
 * Median cost per KB of `scan` over fresh texts of `kb` KB: CPU time (process.cpuUsage, what the
 * scan itself burnt, robust to neighbours on a shared machine) and wall time. Each sample scans
 * about 200 KB in texts of the given size, so a 1 KB figure is not one timer tick.
 */
function costPerKb(scan: Scan, make: (chars: number) => string, kb: number) {
  const perSample = Math.max(1, Math.round(200 / kb));
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let sample = 0; sample < 7; sample++) {
    const texts = Array.from({ length: perSample }, () => make(kb * 1024));
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    for (const text of texts) scan(text);
    const used = process.cpuUsage(cpuStart);
    wall.push((performance.now() - wallStart) / (kb * perSample));
    cpu.push((used.user + used.system) / 1000 / (kb * perSample));
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1] ?? 0;
  return { cpu: median(cpu), wall: median(wall) };
}

function scanCostPerKb(label: string, make: (chars: number) => string): void {
  const rules = rulesWith("REDACT", "INPUT").INPUT;
  const whole: Scan = (text) => {
    const chat = {
      model: "m",
      messages: [{ role: "user", content: text }],
    } as ChatCompletionRequest;
    guardTexts(requestTextSlots(chat), rules, "INPUT", new Redactor(), []);
  };
  // A gateway process is warm: the first scans compile the detectors' code and regexes.
  for (let i = 0; i < 3; i++) whole(make(100 * 1024));
  const ids = Object.keys(BUILT_IN_DETECTORS) as BuiltInDetectorId[];
  console.log(`\n1. input scan cost, CPU ms per KB (median of 7 samples of ~200 KB): ${label}`);
  console.log(
    `   size    ${ids.map((id) => id.slice(0, 8).padStart(8)).join(" ")}  | all (REDACT)  wall`,
  );
  for (const kb of [1, 10, 100]) {
    const each = ids.map((id) => {
      const detect = BUILT_IN_DETECTORS[id];
      return costPerKb((text) => detect(text, { fromTool: false }), make, kb).cpu;
    });
    const all = costPerKb(whole, make, kb);
    console.log(
      `   ${`${kb} KB`.padEnd(7)} ${each.map((ms) => ms.toFixed(3).padStart(8)).join(" ")}  | ${all.cpu.toFixed(3).padStart(8)}  ${all.wall.toFixed(3).padStart(8)}`,
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
    `\n2. whole gateway call, ${PARAGRAPH.length * 2}-character prompt, ${N} calls each, interleaved`,
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
  const pii = DETECTOR_IDS.filter((id) => id !== "TOPIC" && id !== "INJECTION");
  for (const [label, action, detectors] of [
    ["no output policy", null, []],
    ["FLAG, every detector", "FLAG", null],
    ["REDACT, PII detectors", "REDACT", pii],
    ["REDACT, every detector", "REDACT", null],
  ] as const) {
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const chunks = tokens(60, 20);
      const decisions: GuardrailDecision[] = [];
      const stream = action
        ? guardStream(chunks, {
            rules: rulesWith(action, "OUTPUT", detectors ?? undefined).OUTPUT,
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

scanCostPerKb("PII-dense text (a phone, email, card, IBAN, IP every 450 bytes)", piiDenseText);
scanCostPerKb("prose with one PII paragraph per 10 KB", proseText);
if (process.argv.includes("--scan-only")) process.exit(0);
await streamTtfb();
await callOverhead();
