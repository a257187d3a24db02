/** The benchmark's upstream: the fake OpenAI server in its own process, printing its base URL. */
import { startFakeOpenAI } from "../test/fakes/openai-server.ts";

const upstream = await startFakeOpenAI();
console.log(`upstream ${upstream.baseUrl}`);
process.on("SIGTERM", () => {
  upstream.close().then(() => process.exit(0));
});
