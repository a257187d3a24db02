import { and, asc, eq, isNull, or } from "drizzle-orm";
import { z } from "zod";
import { providers } from "../../db/schema/index.ts";
import { isProviderKindSupported, requiresBaseUrl } from "../../functions/providers/index.ts";
import { BUILT_IN_PROVIDER_NAMES } from "../../functions/routing/built-in-providers.ts";
import {
  configWithoutHeaders,
  openProviderHeaders,
  sealProviderHeaders,
  splitProviderConfig,
} from "../../functions/routing/provider-headers.ts";
import { checkUpstreamUrl } from "../../functions/security/upstream-url.ts";
import { orgScopeOf, requireMaster, requireOrgRole } from "../access.ts";
import { builder } from "../builder.ts";
import type { GraphQLContext } from "../context.ts";
import { badInput, conflict, explainWriteError } from "../errors.ts";
import { Org } from "./org.ts";

export type ProviderRow = typeof providers.$inferSelect;

export const Provider = builder.node(builder.objectRef<ProviderRow>("Provider"), {
  id: { resolve: (provider) => provider.id },
  // Global providers (no org) are visible to every admin; org providers to their org only.
  authScopes: (provider) =>
    provider.orgId ? { orgReader: provider.orgId } : { authenticated: true },
  loadOne: (id, context) => loadProvider(context, id),
  fields: (t) => ({
    name: t.exposeString("name"),
    kind: t.exposeString("kind"),
    baseUrl: t.exposeString("baseUrl", { nullable: true }),
    hasApiKey: t.boolean({
      description: "Whether a credential is stored. The credential itself is never returned.",
      resolve: (provider) => provider.apiKeyCiphertext !== null,
    }),
    headerNames: t.stringList({
      description:
        "Names of the extra headers sent upstream (`config.headers` on input). Their values are credentials and are never returned.",
      resolve: async (provider, _args, context) =>
        Object.keys(await openProviderHeaders(context.services.keyring, provider)).sort(),
    }),
    config: t.field({
      type: "JSONObject",
      description: "Non-secret options. `headers` is never included: see headerNames.",
      resolve: (provider) => configWithoutHeaders(provider.config),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

async function loadProvider(context: GraphQLContext, id: string): Promise<ProviderRow | null> {
  const scope = orgScopeOf(context.viewer);
  const [row] = await context.services.sql.db
    .select()
    .from(providers)
    .where(
      scope.all
        ? eq(providers.id, id)
        : and(eq(providers.id, id), or(eq(providers.orgId, scope.orgId), isNull(providers.orgId))),
    );
  return row ?? null;
}

builder.objectField(Org, "providers", (t) =>
  t.field({
    type: [Provider],
    description: "This org's providers (global providers are listed by the `providers` query).",
    resolve: (org, _args, context) =>
      context.services.sql.db
        .select()
        .from(providers)
        .where(eq(providers.orgId, org.id))
        .orderBy(asc(providers.name)),
  }),
);

const providerName = z
  .string()
  .trim()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,62}$/,
    "lowercase letters, digits, '.', '_' or '-' (it is the prefix of <provider>/<model>)",
  );

const CreateProviderPayload = builder.simpleObject("CreateProviderPayload", {
  fields: (t) => ({ provider: t.field({ type: Provider }) }),
});

builder.mutationField("createProvider", (t) =>
  t.field({
    type: CreateProviderPayload,
    authScopes: { authenticated: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("CreateProviderInput", {
          fields: (f) => ({
            orgId: f.globalID({
              for: Org,
              description: "Omit for a global provider (master key only).",
            }),
            kind: f.string({ required: true }),
            name: f.string({ required: true, validate: providerName }),
            baseUrl: f.string({ validate: z.string().trim().max(2000) }),
            apiKey: f.string({ validate: z.string().min(1).max(10_000) }),
            config: f.field({
              type: "JSONObject",
              description:
                "Kind-specific options. `headers` (name → value) is stored encrypted like apiKey and never returned.",
            }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const orgId = input.orgId?.id ?? null;
      if (orgId) requireOrgRole(context, orgId, "ADMIN");
      else requireMaster(context);
      if (!isProviderKindSupported(input.kind)) {
        throw badInput(`provider kind "${input.kind}" is not supported`);
      }
      const name = input.name.trim();
      if (BUILT_IN_PROVIDER_NAMES.has(name)) {
        throw conflict(`"${name}" is the name of a built-in provider`);
      }
      const { config } = context.services;
      let baseUrl: string | null = null;
      if (input.baseUrl) {
        const check = await checkUpstreamUrl(input.baseUrl.trim(), {
          allowPrivate: config.allowPrivateUpstreams,
          resolveHost: context.services.resolveHost,
        });
        if (!check.ok) throw badInput(check.reason);
        baseUrl = check.url.toString().replace(/\/+$/, "");
      } else if (requiresBaseUrl(input.kind)) {
        throw badInput(`a provider of kind ${input.kind} needs a baseUrl`);
      }
      const split = splitProviderConfig(input.config ?? {});
      if (!split.ok) throw badInput(split.reason);
      const { keyring } = context.services;
      const apiKeyCiphertext = input.apiKey ? await keyring.encrypt(input.apiKey) : null;
      const headersCiphertext = await sealProviderHeaders(keyring, split.headers);
      try {
        const [provider] = await context.services.sql.db
          .insert(providers)
          .values({
            orgId,
            kind: input.kind,
            name,
            baseUrl,
            apiKeyCiphertext,
            headersCiphertext,
            config: split.config,
          })
          .returning();
        if (!provider) throw new Error("insert returned no row");
        context.services.models.forget(orgId);
        return { provider };
      } catch (error) {
        explainWriteError(error, {
          conflict: `a provider named "${name}" already exists`,
          missing: "org",
        });
      }
    },
  }),
);
