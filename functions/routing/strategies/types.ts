/** What every routing strategy is given: a route's deployments as listed, with their settings. */
import type { Deployment } from "../model-directory.ts";

export interface RoutedDeployment extends Deployment {
  /** Relative share for WEIGHTED; positive. */
  weight: number;
  /** Lower is tried first by PRIORITY (and breaks ties elsewhere). */
  priority: number;
}
