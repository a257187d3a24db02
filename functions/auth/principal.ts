/** Who is calling the gateway: resolved from a virtual key, carried through every stage. */
export interface Principal {
  orgId: string;
  teamId: string | null;
  agentId: string | null;
  keyId: string;
  keyName: string;
  /** Models this key may use; null = any model its org can reach. */
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  maxConcurrency: number | null;
}
