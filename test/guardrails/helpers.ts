/** Admin steps and readers the guardrail suites share. */
import type { TestGateway } from "../support/gateway.ts";

export interface PolicyInput {
  scope: "ORG" | "TEAM" | "KEY" | "AGENT";
  scopeId: string;
  detectors: string[];
  action: "OFF" | "FLAG" | "REDACT" | "BLOCK";
  direction: "INPUT" | "OUTPUT" | "BOTH";
  restorePlaceholders?: boolean;
  topicWords?: string[];
  topicPhrases?: string[];
  topicPatterns?: string[];
}

export const SET_POLICY = `mutation ($input: SetGuardrailPolicyInput!) {
  setGuardrailPolicy(input: $input) { policy { id scope direction detectors action } }
}`;

export async function setPolicy(gateway: TestGateway, input: PolicyInput): Promise<string> {
  const data = await gateway.admin<{ setGuardrailPolicy: { policy: { id: string } } }>(SET_POLICY, {
    input,
  });
  return data.setGuardrailPolicy.policy.id;
}

export async function deletePolicy(gateway: TestGateway, id: string): Promise<void> {
  await gateway.admin(
    `mutation ($id: ID!) { deleteGuardrailPolicy(input: { id: $id }) { deletedId } }`,
    { id },
  );
}

/** The text of a streamed answer: every delta's content, in order. */
export function streamedContent(sse: string): { content: string; finishReasons: string[] } {
  let content = "";
  const finishReasons: string[] = [];
  for (const event of sse.split("\n\n")) {
    if (!event.startsWith("data: ") || event === "data: [DONE]") continue;
    const chunk = JSON.parse(event.slice(6)) as {
      choices?: { delta?: { content?: string | null }; finish_reason?: string | null }[];
    };
    for (const choice of chunk.choices ?? []) {
      content += choice.delta?.content ?? "";
      if (choice.finish_reason) finishReasons.push(choice.finish_reason);
    }
  }
  return { content, finishReasons };
}
