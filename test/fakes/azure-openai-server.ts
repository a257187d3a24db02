/**
 * A fake Azure OpenAI resource on 127.0.0.1 (random port): `POST
 * /openai/deployments/{deployment}/chat/completions?api-version=...` with an `api-key` header,
 * answering in OpenAI's format as Azure does, including Azure's own additions: a first stream
 * chunk with `prompt_filter_results` and no choices, `content_filter_results` on choices, and
 * Azure's error bodies (401 for a wrong key, 404 DeploymentNotFound, 404 without api-version).
 * Records what it received.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { completion, type ReplyShape, streamEvents } from "./openai-server.ts";

export interface AzureRecordedRequest {
  method: string;
  path: string;
  deployment: string | null;
  apiVersion: string | null;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export type FakeAzureBehaviour =
  | ({ kind: "complete" } & ReplyShape)
  | ({ kind: "stream" } & ReplyShape)
  | { kind: "error"; status: number; code: string; message: string };

export interface FakeAzure {
  /** The resource endpoint, as AZURE_OPENAI_ENDPOINT gives it. */
  baseUrl: string;
  apiKey: string;
  /** Deployment name → the model it serves (answers carry the model's name). */
  deployments: Record<string, string>;
  requests: AzureRecordedRequest[];
  script(...behaviours: FakeAzureBehaviour[]): void;
  close(): Promise<void>;
}

const PATH = /^\/openai\/deployments\/([^/?]+)\/chat\/completions$/;
const FILTER_OK = {
  hate: { filtered: false, severity: "safe" },
  self_harm: { filtered: false, severity: "safe" },
  sexual: { filtered: false, severity: "safe" },
  violence: { filtered: false, severity: "safe" },
};

export async function startFakeAzureOpenAI(
  deployments: Record<string, string> = { "gpt-4o-prod": "gpt-4o-2024-08-06" },
): Promise<FakeAzure> {
  const apiKey = "azure-fake-key-0123456789";
  const requests: AzureRecordedRequest[] = [];
  let queue: FakeAzureBehaviour[] = [{ kind: "complete" }];

  const server = createServer({ noDelay: true }, (req, res) => {
    const behaviour = queue.length > 1 ? queue.shift() : queue[0];
    void handle(req, res, behaviour ?? { kind: "complete" });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, behaviour: FakeAzureBehaviour) {
    const url = new URL(req.url ?? "/", "http://fake");
    const deployment = PATH.exec(url.pathname)?.[1] ?? null;
    const apiVersion = url.searchParams.get("api-version");
    const body = parseJson(await readBody(req));
    requests.push({
      method: req.method ?? "",
      path: req.url ?? "",
      deployment: deployment === null ? null : decodeURIComponent(deployment),
      apiVersion,
      headers: req.headers,
      body,
    });
    if (req.headers["api-key"] !== apiKey) {
      return sendError(
        res,
        401,
        "401",
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
      );
    }
    if (deployment === null || apiVersion === null)
      return sendError(res, 404, "404", "Resource not found");
    const model = deployments[decodeURIComponent(deployment)];
    if (model === undefined) {
      return sendError(
        res,
        404,
        "DeploymentNotFound",
        "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
      );
    }
    if (behaviour.kind === "error")
      return sendError(res, behaviour.status, behaviour.code, behaviour.message);
    if (behaviour.kind === "stream" || fieldOf(body, "stream") === true) {
      return sendStream(res, model, behaviour, includeUsage(body));
    }
    const answer = completion(model, behaviour);
    const choices = answer.choices.map((choice) => ({
      ...choice,
      content_filter_results: FILTER_OK,
    }));
    sendJson(res, 200, {
      ...answer,
      choices,
      prompt_filter_results: [{ prompt_index: 0, content_filter_results: FILTER_OK }],
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    apiKey,
    deployments,
    requests,
    script(...behaviours) {
      if (behaviours.length > 0) queue = behaviours;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendStream(res: ServerResponse, model: string, reply: ReplyShape, withUsage: boolean) {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
  // Azure's first chunk: the prompt's filter results, no choices, empty model and id.
  const filter = {
    choices: [],
    created: 0,
    id: "",
    model: "",
    object: "",
    prompt_filter_results: [{ prompt_index: 0, content_filter_results: FILTER_OK }],
  };
  res.write(`data: ${JSON.stringify(filter)}\n\n`);
  for (const data of streamEvents(model, reply, withUsage)) res.write(`data: ${data}\n\n`);
  res.end("data: [DONE]\n\n");
}

function sendError(res: ServerResponse, status: number, code: string, message: string) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { code, message } }));
}

function sendJson(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function fieldOf(body: unknown, field: string): unknown {
  return typeof body === "object" && body !== null ? Reflect.get(body, field) : undefined;
}

function includeUsage(body: unknown): boolean {
  const options = fieldOf(body, "stream_options");
  return (
    typeof options === "object" &&
    options !== null &&
    Reflect.get(options, "include_usage") === true
  );
}
