/** The fallback benchmark's failing upstream: a fake OpenAI server that answers every call 503. */
import { startFakeOpenAI } from "../test/fakes/openai-server.ts";

const upstream = await startFakeOpenAI();
upstream.script({ kind: "error", status: 503, message: "overloaded (bench)" });
console.log(`upstream ${upstream.baseUrl}`);
process.on("SIGTERM", () => {
  upstream.close().then(() => process.exit(0));
});
