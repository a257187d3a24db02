/** The admin schema: each domain type registers itself on the builder when imported. */
import { builder } from "./builder.ts";
import "./types/org.ts";
import "./types/team.ts";
import "./types/admin-token.ts";
import "./types/virtual-key.ts";
import "./types/provider.ts";
import "./types/model-route.ts";
import "./types/budget.ts";
import "./types/rate-limit.ts";
import "./types/model-price.ts";
import "./types/usage.ts";
import "./types/usage-record.ts";
import "./types/viewer.ts";
import "./types/webhook.ts";
import "./types/guardrail-policy.ts";
import "./types/agent.ts";
import "./types/delegation-grant.ts";
import "./types/audit-checkpoint.ts";
import "./types/audit-event.ts";
import "./types/keyring.ts";

export const schema = builder.toSchema({ sortSchema: true });
