/**
 * Audit events of grant use at the gateway: the first use of each grant and every refusal under
 * one (DESIGN.md: grant creation, use, revocation and cascade are in the org's hash chain).
 * Written off the response path; a failed write is logged, never shown to the caller. Rate-limit
 * refusals are left to usage records (refusedBy): a caller hammering a limit would otherwise
 * write one audit row per refused request.
 */
import { appendAuditEvent } from "../audit/append-audit-event.ts";
import type { DelegationChain } from "../auth/principal.ts";
import type { Services } from "../services.ts";

export interface GrantUse {
  orgId: string;
  keyId: string;
  agentId: string | null;
  chain: Pick<DelegationChain, "grantIds" | "agentIds">;
  requestId: string;
}

function record(services: Services, use: GrantUse, action: string, data: Record<string, unknown>) {
  const leaf = use.chain.grantIds.at(-1) ?? null;
  services.background.run(`audit ${action}`, () =>
    appendAuditEvent(services.sql.db, {
      orgId: use.orgId,
      actorType: "virtual_key",
      actorId: use.keyId,
      action,
      targetType: "delegation_grant",
      targetId: leaf,
      data: { agentId: use.agentId, ...data },
      delegationChain: use.chain.agentIds,
      grantChain: use.chain.grantIds,
      requestId: use.requestId,
      createdAt: new Date(services.clock()),
    }).then(() => undefined),
  );
}

/** Audits each grant of the chain the first time any instance sees it used. */
export function auditFirstUse(services: Services, use: GrantUse): void {
  for (const grantId of use.chain.grantIds) {
    services.background.run("grant first use", async () => {
      if (!(await services.grants.claimFirstUse(grantId))) return;
      record(services, use, "delegation_grant.first_used", { grantId });
    });
  }
}

export function auditGrantDenial(
  services: Services,
  use: GrantUse,
  denial: { code: string | null; status: number; model: string | null },
): void {
  // Refusals of the borrowed authority only; upstream failures are not about the grant.
  if (denial.status !== 402 && denial.status !== 403) return;
  record(services, use, "delegation_grant.denied", {
    code: denial.code,
    status: denial.status,
    model: denial.model,
  });
}
