import { describe, expect, it } from "vitest";
import {
  countMessageTokens,
  countRequestTokens,
  countTokens,
  loadTokenizer,
} from "../../functions/providers/tokens.ts";

describe("token counting", () => {
  it("counts text with the o200k_base encoding", async () => {
    expect(await countTokens("hello world")).toBe(2);
  });

  it("counts nothing for empty text", async () => {
    expect(await countTokens("")).toBe(0);
  });

  it("counts special-token text in a prompt instead of refusing it", async () => {
    expect(await countTokens("say <|endoftext|> now")).toBeGreaterThan(3);
  });

  it("adds OpenAI's per-message framing to chat messages", async () => {
    // 3 framing + "user" (1) + "hello world" (2) + 3 reply priming
    expect(await countMessageTokens([{ role: "user", content: "hello world" }])).toBe(9);
  });

  it("counts an image part by its detail", async () => {
    const image = (detail: "low" | "high") => [
      {
        role: "user" as const,
        content: [
          { type: "image_url" as const, image_url: { url: "https://x.test/a.png", detail } },
        ],
      },
    ];
    expect(await countMessageTokens(image("low"))).toBe(3 + 1 + 85 + 3);
    expect(await countMessageTokens(image("high"))).toBe(3 + 1 + 765 + 3);
  });

  it("counts tool definitions as part of the prompt", async () => {
    const messages = [{ role: "user" as const, content: "weather?" }];
    const tools = [
      {
        type: "function" as const,
        function: { name: "get_weather", parameters: { type: "object" } },
      },
    ];
    expect(await countRequestTokens({ model: "m", messages, tools })).toBeGreaterThan(
      await countRequestTokens({ model: "m", messages }),
    );
  });

  it("truncates text to a number of tokens", async () => {
    const tokenizer = await loadTokenizer();
    const cut = tokenizer.truncateToTokens("one two three four five", 2);
    expect(cut).toBe("one two");
    expect(tokenizer.truncateToTokens("short", 10)).toBe("short");
  });
});
