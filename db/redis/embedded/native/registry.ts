/**
 * The native twins the embedded engine runs instead of fengari, by the SHA1 of the exact Lua
 * text each twins (as the client sends it, so as sha1Hex of the exported constant computes
 * it). An edited script gets a new SHA1 and simply runs in fengari;
 * test/redis/native-scripts.test.ts fails until the twin and its SHA1 here are updated.
 */
import { claimProbeTwin, enterTwin, recordAttemptTwin } from "./health.ts";
import { reserveTwin, seedTwin, settleTwin } from "./limits.ts";
import { claimTwin, releaseTwin, settleClaimTwin } from "./outbox.ts";
import type { NativeScript } from "./twin.ts";

export const NATIVE_SCRIPTS: ReadonlyMap<string, NativeScript> = new Map([
  ["76b9f648c039a495bb2823db8292be0fcd5f9295", reserveTwin],
  ["eb6b9b3598300df63776fe109405bb1d444a1d20", settleTwin],
  ["9b73ccdfacd42f6b11e77d044d942c531e128316", seedTwin],
  ["da50caad04ca8f3e587467c644db823f2c6aaa85", recordAttemptTwin],
  ["b7f89e80880f3d81df1b92ea12ec51302155a533", claimProbeTwin],
  ["1515ea2fc3b6a5e980b388f0284057cbb78ed6aa", enterTwin],
  ["f6ccd3f6b0f00512efe3b42e2ca5da8ced68b067", claimTwin],
  ["64811303d02f1655995d1361fb06ac2f5ffba381", releaseTwin],
  ["cde2247dea2dbcf3d53b197d06862b4e3dac64b3", settleClaimTwin],
]);
