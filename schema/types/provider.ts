import { encodeGlobalID } from "@pothos/plugin-relay";
import { eq } from "drizzle-orm";
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
import { loadInOrg, loadManyInOrg } from "../access.ts";
import { auditedWrite } from "../audited-write.ts";
import { builder } from "../builder.ts";
import { byTextThenUuid, tableConnection } from "../connections.ts";
import type { GraphQLContext } from "../context.ts";
import { badInput, conflict, explainDeleteError, explainWriteError, notFound } from "../errors.ts";
import { Org } from "./org.ts";

export type ProviderRow = typeof providers.$inferSelect;

export const Provider = builder.node(builder.objectRef<ProviderRow>("Provider"), {
  id: { resolve: (provider) => provider.id },
  // Global providers (no org) are visible to every admin; org providers to their org only.
  authScopes: (provider) =>
    provider.orgId ? { orgReader: provider.orgId } : { authenticated: true },
  loadMany: (ids, context) =>
    loadManyInOrg<ProviderRow>(context, PROVIDERS, ids, { globalRows: true }),
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

const PROVIDERS = { table: providers, id: providers.id, orgId: providers.orgId };

builder.objectField(Org, "providers", (t) =>
  t.connection(
    {
      type: Provider,
      description:
        "This org's providers by name, a page at a time (at most 100). Global providers are not listed here.",
      resolve: (org, args, context) =>
        tableConnection(
          context,
          args,
          providers,
          eq(providers.orgId, org.id),
          byTextThenUuid(providers.name, providers.id, (provider: ProviderRow) => provider.name),
        ),
    },
    { name: "ProviderConnection" },
    { name: "ProviderEdge" },
  ),
);

const providerName = z
  .string()
  .trim()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,62}$/,
    "lowercase letters, digits, '.', '_' or '-' (it is the prefix of <provider>/<model>)",
  );

const ProviderPayload = (name: string) =>
  builder.simpleObject(name, { fields: (t) => ({ provider: t.field({ type: Provider }) }) });

/** The stored form of a base URL, after the SSRF check (DESIGN.md: production refuses private). */
async function checkedBaseUrl(context: GraphQLContext, baseUrl: string): Promise<string> {
  const check = await checkUpstreamUrl(baseUrl.trim(), {
    allowPrivate: context.services.config.allowPrivateUpstreams,
    resolveHost: context.services.resolveHost,
  });
  if (!check.ok) throw badInput(`input.baseUrl: ${check.reason}`);
  return check.url.toString().replace(/\/+$/, "");
}

function checkedName(name: string): string {
  const trimmed = name.trim();
  if (BUILT_IN_PROVIDER_NAMES.has(trimmed)) {
    throw conflict(`"${trimmed}" is the name of a built-in provider`);
  }
  return trimmed;
}

/**
 * Routes and prices name providers: after a change this instance drops the org's model
 * directory, and every other instance reloads on its next call (the org's version token).
 * A global provider reaches other instances within the directory's TTL.
 */
async function announceProviderChange(context: GraphQLContext, orgId: string | null) {
  context.services.models.forget(orgId);
  if (orgId) await context.services.limits.announceChange(orgId);
}

const ProviderIdInput = (name: string) =>
  builder.inputType(name, {
    fields: (f) => ({ id: f.globalID({ required: true, for: Provider }) }),
  });

/**
 * A provider this viewer may change: its own org's. Global rows are left out of the load, so to
 * an org token a global provider is NOT_FOUND here; the master key sees every row.
 */
async function writableProvider(context: GraphQLContext, id: string): Promise<ProviderRow> {
  const provider = await loadInOrg<ProviderRow>(context, PROVIDERS, id);
  if (!provider) throw notFound("provider");
  return provider;
}

builder.mutationFields((t) => ({
  createProvider: t.field({
    type: ProviderPayload("CreateProviderPayload"),
    authScopes: (_root, { input }) =>
      input.orgId ? { orgWriter: input.orgId.id } : { master: true },
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
      if (!isProviderKindSupported(input.kind)) {
        throw badInput(`input.kind: provider kind "${input.kind}" is not supported`);
      }
      const name = checkedName(input.name);
      let baseUrl: string | null = null;
      if (input.baseUrl) baseUrl = await checkedBaseUrl(context, input.baseUrl);
      else if (requiresBaseUrl(input.kind)) {
        throw badInput(`input.baseUrl: a provider of kind ${input.kind} needs a baseUrl`);
      }
      const split = splitProviderConfig(input.config ?? {});
      if (!split.ok) throw badInput(`input.config: ${split.reason}`);
      const { keyring } = context.services;
      const apiKeyCiphertext = input.apiKey ? await keyring.encrypt(input.apiKey) : null;
      const headersCiphertext = await sealProviderHeaders(keyring, split.headers);
      const result = await auditedWrite(context, {
        orgId,
        action: "provider.created",
        targetType: "provider",
        write: async (tx) => {
          const [provider] = await tx
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
          return { result: { provider }, targetId: provider.id, after: provider };
        },
      }).catch((error: unknown) =>
        explainWriteError(error, {
          conflict: `a provider named "${name}" already exists`,
          missing: "org",
        }),
      );
      await announceProviderChange(context, orgId);
      return result;
    },
  }),

  updateProvider: t.field({
    type: ProviderPayload("UpdateProviderPayload"),
    description:
      "Changes what is given. apiKey replaces the stored credential (null removes it); config replaces the options, its headers included.",
    authScopes: { writer: true },
    args: {
      input: t.arg({
        required: true,
        type: builder.inputType("UpdateProviderInput", {
          fields: (f) => ({
            id: f.globalID({ required: true, for: Provider }),
            name: f.string({ validate: providerName.nullish() }),
            baseUrl: f.string({ validate: z.string().trim().max(2000).nullish() }),
            apiKey: f.string({ validate: z.string().min(1).max(10_000).nullish() }),
            config: f.field({ type: "JSONObject" }),
          }),
        }),
      }),
    },
    resolve: async (_root, { input }, context) => {
      const before = await writableProvider(context, input.id.id);
      const changes: Partial<ProviderRow> = {};
      if (input.name) changes.name = checkedName(input.name);
      if (input.baseUrl) changes.baseUrl = await checkedBaseUrl(context, input.baseUrl);
      else if (input.baseUrl === null) {
        if (requiresBaseUrl(before.kind)) {
          throw badInput(`input.baseUrl: a provider of kind ${before.kind} needs a baseUrl`);
        }
        changes.baseUrl = null;
      }
      const { keyring } = context.services;
      if (input.apiKey !== undefined) {
        changes.apiKeyCiphertext = input.apiKey ? await keyring.encrypt(input.apiKey) : null;
      }
      if (input.config) {
        const split = splitProviderConfig(input.config);
        if (!split.ok) throw badInput(`input.config: ${split.reason}`);
        changes.config = split.config;
        changes.headersCiphertext = await sealProviderHeaders(keyring, split.headers);
      }
      const result = await auditedWrite(context, {
        orgId: before.orgId,
        action: "provider.updated",
        targetType: "provider",
        write: async (tx) => {
          const [provider] = await tx
            .update(providers)
            .set(changes)
            .where(eq(providers.id, before.id))
            .returning();
          if (!provider) throw notFound("provider");
          return { result: { provider }, targetId: provider.id, before, after: provider };
        },
      }).catch((error: unknown) =>
        explainWriteError(error, {
          conflict: `a provider named "${input.name}" already exists`,
          missing: "provider",
        }),
      );
      await announceProviderChange(context, before.orgId);
      return result;
    },
  }),

  deleteProvider: t.field({
    type: builder.simpleObject("DeleteProviderPayload", {
      fields: (f) => ({ deletedId: f.id({ description: "The global id the provider had." }) }),
    }),
    description: "Deletes a provider no route deploys to any more (else CONFLICT).",
    authScopes: { writer: true },
    args: { input: t.arg({ type: ProviderIdInput("DeleteProviderInput"), required: true }) },
    resolve: async (_root, { input }, context) => {
      const before = await writableProvider(context, input.id.id);
      const result = await auditedWrite(context, {
        orgId: before.orgId,
        action: "provider.deleted",
        targetType: "provider",
        write: async (tx) => {
          await tx.delete(providers).where(eq(providers.id, before.id));
          return {
            result: { deletedId: encodeGlobalID("Provider", before.id) },
            targetId: before.id,
            before,
          };
        },
      }).catch((error: unknown) =>
        explainDeleteError(error, "a model route still deploys to this provider"),
      );
      await announceProviderChange(context, before.orgId);
      return result;
    },
  }),
}));
