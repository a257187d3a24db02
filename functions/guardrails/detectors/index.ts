/** The built-in detectors by id. TOPIC is compiled per policy (./topic.ts) and is not here. */
import { detectEmails } from "./email.ts";
import { detectIbans } from "./iban.ts";
import { detectInjection } from "./injection.ts";
import { detectIpAddresses } from "./ip-address.ts";
import { detectPaymentCards } from "./payment-card.ts";
import { detectPhoneNumbers } from "./phone.ts";
import { detectSecrets } from "./secrets.ts";
import type { DetectorId, Finding } from "./types.ts";
import { detectUsSsns } from "./us-ssn.ts";

export type BuiltInDetectorId = Exclude<DetectorId, "TOPIC">;

export const BUILT_IN_DETECTORS: Record<
  BuiltInDetectorId,
  (text: string, context: { fromTool: boolean }) => Finding[]
> = {
  EMAIL: detectEmails,
  PHONE: detectPhoneNumbers,
  PAYMENT_CARD: detectPaymentCards,
  IBAN: detectIbans,
  US_SSN: detectUsSsns,
  IP_ADDRESS: detectIpAddresses,
  SECRET: detectSecrets,
  INJECTION: (text, context) => detectInjection(text, { fromTool: context.fromTool }),
};
